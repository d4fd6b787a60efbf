"""The admins' privacy actions as use cases: the change, its audit and what it owes in Slack,
in one transaction. Who may act (an admin: Slack admins and owners, and the admin group) is
checked before, by the listener (powers.require_admin), which audits a refusal too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import session_scope
from bot.privacy import effects, lifecycle
from bot.privacy import service as privacy

Factory = sessionmaker[Session]


def export(factory: Factory, actor: Actor, *, user_id: str, now: datetime) -> int:
    """A member's data for the admin: audited now, the file owed by DM. Returns the rows."""
    with session_scope(factory) as session:
        document = privacy.export_user(
            session=session, team_id=actor.team_id, user_id=user_id, now=now
        )
        rows = privacy.export_row_count(document)
        lifecycle.audit(
            session=session,
            team_id=actor.team_id,
            action="export",
            actor=actor.user_id,
            subject=user_id,
            now=now,
            details={"rows": rows},
        )
        effects.owe_export(
            session=session,
            team_id=actor.team_id,
            admin_id=actor.user_id,
            user_id=user_id,
            now=now,
        )
    return rows


def erase(
    factory: Factory, actor: Actor, *, user_id: str, secret: str | None, now: datetime
) -> dict[str, int]:
    """Erase a member (service.erase_user's rules), and owe the admin a word that it is done."""
    with session_scope(factory) as session:
        counts = privacy.erase_user(
            session=session,
            team_id=actor.team_id,
            user_id=user_id,
            actor=actor.user_id,
            now=now,
            secret=secret,
        )
        effects.owe_erasure_done(
            session=session,
            team_id=actor.team_id,
            admin_id=actor.user_id,
            alias=privacy.pseudonym(team_id=actor.team_id, user_id=user_id, secret=secret),
            fields=sum(counts.values()),
            now=now,
        )
    return counts


def save_settings(
    factory: Factory,
    actor: Actor,
    *,
    retention_months: int | None,
    grace_days: int,
    admin_group: str | None,
    now: datetime,
) -> None:
    with session_scope(factory) as session:
        settings = lifecycle.privacy_settings(session=session, team_id=actor.team_id)
        settings.retention_months = retention_months
        settings.uninstall_grace_days = grace_days
        settings.admin_usergroup_id = admin_group
        effects.owe_settings_saved(
            session=session, team_id=actor.team_id, admin_id=actor.user_id, now=now
        )
