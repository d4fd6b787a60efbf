"""Use cases of duplicates: follow an open request instead of filing, merge a duplicate.

Each runs one transaction: the rule (watching.py), the ETAs the priority change moves
(etas.change: a watcher raises the request's score), and what it owes (effects.py). No Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.actor import Actor
from bot.db import session_scope
from bot.errors import UserFacingError
from bot.intake import configuration, effects, etas, service, watching
from bot.intake.flows import Factory, is_revops

Changed = TypeVar("Changed", watching.Followed, watching.Merged)


def _watchers_change(
    factory: Factory,
    actor: Actor,
    now: datetime,
    change: Callable[[Session], Changed],
    owe: Callable[[Session, Changed, str | None], None],
    *,
    revops_only: bool = False,
) -> Changed:
    """One change of who watches a request: the rule, the ETAs it moves (a watcher raises the
    request's score), what it owes (`owe`, given the intake channel) and the ETA news."""
    with session_scope(factory) as session:
        if revops_only and not is_revops(session, actor):
            raise UserFacingError(service.REVOPS_ONLY)
        settings = configuration.settings_of(session=session, team_id=actor.team_id)
        with etas.change(session=session, team_id=actor.team_id, now=now) as moved:
            changed = change(session)
        owe(session, changed, settings.intake_channel_id)
        effects.owe_eta_news(
            session=session,
            team_id=actor.team_id,
            news=moved.news,
            channel_id=settings.intake_channel_id,
            now=now,
        )
    return changed


def follow(factory: Factory, actor: Actor, *, request_id: int, now: datetime) -> watching.Followed:
    """The actor follows an open request instead of filing theirs: nothing new is filed."""

    def owe(session: Session, followed: watching.Followed, channel_id: str | None) -> None:
        if followed.added:
            effects.owe_follow(
                session=session,
                request=followed.request,
                user_id=actor.user_id,
                channel_id=channel_id,
                now=now,
            )

    return _watchers_change(
        factory,
        actor,
        now,
        lambda session: watching.follow(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            user_id=actor.user_id,
            now=now,
        ),
        owe,
    )


def merge(
    factory: Factory, actor: Actor, *, request_id: int, into_id: int, now: datetime
) -> watching.Merged:
    """The RevOps team merges a possible duplicate into the request it duplicates."""

    def owe(session: Session, merged: watching.Merged, channel_id: str | None) -> None:
        effects.owe_merge(
            session=session,
            merged=merged.merged,
            into=merged.into,
            merged_event_id=merged.merged_event.id,
            actor_id=actor.user_id,
            new_watchers=merged.new_watchers,
            channel_id=channel_id,
            now=now,
        )

    return _watchers_change(
        factory,
        actor,
        now,
        lambda session: watching.merge(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            into_id=into_id,
            actor_id=actor.user_id,
            now=now,
        ),
        owe,
        revops_only=True,
    )
