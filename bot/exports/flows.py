"""Use case: an admin asks for a CSV export from Home; the file is owed by DM."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import session_scope
from bot.errors import N_
from bot.exports import effects
from bot.exports.columns import ExportKind

Factory = sessionmaker[Session]

END_BEFORE_START = N_("The last day comes before the first.")


def check_period(start: date | None, end: date | None) -> str | None:
    """A period's refusal (a msgid), or None: the last day is not before the first."""
    return END_BEFORE_START if start and end and end < start else None


def request_export(
    factory: Factory,
    actor: Actor,
    *,
    kind: ExportKind,
    start: date | None,
    end: date | None,
    excel: bool,
    now: datetime,
) -> None:
    """Owe the admin the file, in one transaction (the outbox row)."""
    with session_scope(factory) as session:
        effects.owe_export(
            session=session,
            team_id=actor.team_id,
            admin_id=actor.user_id,
            kind=kind,
            start=start,
            end=end,
            excel=excel,
            now=now,
        )
