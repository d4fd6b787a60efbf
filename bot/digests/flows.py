"""The digest's use cases: one transaction each, the change and what it owes (effects.py).
No Slack here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import session_scope
from bot.digests import effects, service

Factory = sessionmaker[Session]


@dataclass(frozen=True)
class DigestShown:
    """A digest DM as Slack sent it with the click on its Unsubscribe button."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def unsubscribe(
    factory: Factory, actor: Actor, *, clicked_in: DigestShown | None, now: datetime
) -> None:
    """No more digests, at once; the digest clicked in (if the click came from one) shows it,
    and so does the member's Home tab."""
    with session_scope(factory) as session:
        service.unsubscribe(session=session, team_id=actor.team_id, user_id=actor.user_id, now=now)
        if clicked_in is not None:
            effects.owe_unsubscribed_digest(
                session=session,
                team_id=actor.team_id,
                user_id=actor.user_id,
                channel=clicked_in.channel,
                ts=clicked_in.ts,
                text=clicked_in.text,
                blocks=clicked_in.blocks,
                now=now,
            )
        effects.owe_home(session=session, team_id=actor.team_id, user_id=actor.user_id, now=now)


def resubscribe(factory: Factory, actor: Actor, *, now: datetime) -> None:
    with session_scope(factory) as session:
        service.resubscribe(session=session, team_id=actor.team_id, user_id=actor.user_id, now=now)
        effects.owe_home(session=session, team_id=actor.team_id, user_id=actor.user_id, now=now)


def cadence(factory: Factory, *, team_id: str) -> tuple[int, int]:
    """The workspace's digest (weekday, hour)."""
    with session_scope(factory) as session:
        settings = service.settings_of(session=session, team_id=team_id)
        return settings.weekday, settings.hour


def change_cadence(
    factory: Factory, actor: Actor, *, weekday: int, hour: int, now: datetime
) -> None:
    """An admin's new digest day and hour, for every member at once; their Home shows it."""
    with session_scope(factory) as session:
        service.change_cadence(
            session=session, team_id=actor.team_id, weekday=weekday, hour=hour, now=now
        )
        effects.owe_home(session=session, team_id=actor.team_id, user_id=actor.user_id, now=now)
