"""Run intake's use cases: read once, apply the rules, write the change and what it owes.

Each flow runs one transaction (filing runs a read and then the write, so that the filer check,
which may ask Slack, happens between them) and writes the Slack messages the change owes as
outbox rows in that same transaction (effects.py says which). Refusals are raised as
`InvalidInput` (by field) or `UserFacingError`; nothing is stored then. No Slack here: the
listeners parse, call a flow, and render its outcome.

This module holds the RevOps check every flow shares, the admins' settings and the Home tab's
own moves. The other use cases, by who makes the move:
- flows_team.py      the team's moves on a request (ask why, accept, start, close, answer with
                     a doc);
- flows_requester.py the requester's moves (answer "why?", withdraw, "did this solve it?");
- flows_filing.py    filing a request; flows_watching.py following and merging duplicates;
- flows_tracker.py   the moves an issue in the team's tracker makes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import session_scope
from bot.home.effects import owe_homes
from bot.intake import configuration, effects, etas, queue, report, service

Factory = sessionmaker[Session]


def is_revops(session: Session, actor: Actor) -> bool:
    """Is the actor on the RevOps team? Keeps the group snapshot the Home tab reads current."""
    settings = configuration.settings_of(session=session, team_id=actor.team_id)
    revops, members = revops_check(settings, actor)
    if members is not None:
        configuration.set_revops_members(session=session, team_id=actor.team_id, member_ids=members)
    return revops


def revops_check(
    settings: configuration.IntakeSettings, actor: Actor
) -> tuple[bool, frozenset[str] | None]:
    """Whether the actor is on the RevOps team, and the group's members when the snapshot the
    Home tab reads is out of date (None when it is current)."""
    group = settings.revops_usergroup_id
    members = actor.members_of(group) if group else frozenset()
    revops = service.is_revops_member(
        settings=settings, user_id=actor.user_id, is_admin=actor.is_admin, group_members=members
    )
    stale = group and set(settings.revops_member_ids or []) != members
    return revops, members if stale else None


def intake_channel(session: Session, team_id: str) -> str | None:
    return configuration.settings_of(session=session, team_id=team_id).intake_channel_id


# ---------------------------------------------------------------- settings and Home


def save_settings(
    factory: Factory,
    actor: Actor,
    *,
    checked: configuration.CheckedSettings,
    revops_member_ids: frozenset[str],
    report_tz: str,
    now: datetime,
) -> None:
    """Admins' settings: saved, the run report scheduled, ETAs the change moves told, and the
    cards of requests filed before the intake channel was chosen posted there, oldest first."""
    with session_scope(factory) as session:
        before = intake_channel(session, actor.team_id)
        with etas.change(session=session, team_id=actor.team_id, now=now) as moved:
            saved = configuration.save_settings(
                session=session,
                team_id=actor.team_id,
                checked=checked,
                revops_member_ids=revops_member_ids,
                now=now,
            )
            channel = saved.intake_channel_id
            if channel:
                report.schedule_run_report(
                    session=session,
                    team_id=actor.team_id,
                    channel_id=channel,
                    tz=saved.tz or report_tz,
                    now=now,
                )
        if channel and channel != before:
            effects.cards_for_channel(
                session=session, team_id=actor.team_id, channel_id=channel, now=now
            )
        effects.owe_eta_news(
            session=session, team_id=actor.team_id, news=moved.news, channel_id=channel, now=now
        )
        owe_homes(session=session, team_id=actor.team_id, user_ids=[actor.user_id], now=now)


def set_queue_page(factory: Factory, actor: Actor, *, page: int, now: datetime) -> None:
    with session_scope(factory) as session:
        queue.set_page(session=session, team_id=actor.team_id, user_id=actor.user_id, page=page)
        owe_homes(session=session, team_id=actor.team_id, user_ids=[actor.user_id], now=now)


def revops_group_changed(
    factory: Factory, *, team_id: str, usergroup_id: str, members: Callable[[], frozenset[str]]
) -> None:
    """Someone joined or left the RevOps group: the snapshot Home tabs read follows."""
    with session_scope(factory) as session:
        settings = configuration.settings_of(session=session, team_id=team_id)
        if settings.revops_usergroup_id != usergroup_id:
            return
    current = members()  # Slack, between transactions
    with session_scope(factory) as session:
        configuration.set_revops_members(session=session, team_id=team_id, member_ids=current)


def watches_group(factory: Factory, *, team_id: str, usergroup_id: str) -> bool:
    with session_scope(factory) as session:
        return configuration.is_watched_group(
            session=session, team_id=team_id, usergroup_id=usergroup_id
        )
