"""Celebrations' use cases around the celebration channel: what Slack said of it (a card it
refused, an admin's "Check again", the bot invited in) and the settings that pick it.

Each flow runs one transaction with the messages it owes (effects.py); `win_post_refused` runs
inside the ledger's own transaction instead. What Slack says of the channel is asked by the
caller before, never inside a transaction. No Slack here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.actor import Actor
from bot.celebrations import effects, service, service_posting
from bot.celebrations.flows import Factory, queue_waiting_wins
from bot.celebrations.models import CelebrationSettings
from bot.celebrations.rules import SettingsChange, format_rates
from bot.db import session_scope
from bot.home.effects import owe_homes

# The logger these flows had in flows.py: operators' log filters keep matching.
logger = logging.getLogger("bot.celebrations.flows")

# ---------------------------------------------------------------- the channel


@dataclass(frozen=True)
class ChannelSeen:
    """What Slack said of a channel, asked by the caller (the bot joins a public one it was
    asked to post in before it looks)."""

    channel_id: str
    exists: bool
    is_member: bool


def _channel_state(
    session: Session, *, team_id: str, channel_id: str, problem: str | None, now: datetime
) -> None:
    tell = service.record_channel_state(
        session=session, team_id=team_id, channel_id=channel_id, problem=problem
    )
    if not tell:
        return
    admin = service.admin_to_tell(session=session, team_id=team_id)
    if admin is None:
        logger.warning("no admin to tell in %s about the celebration channel", team_id)
        return
    effects.owe_channel_problem_notice(
        session=session, team_id=team_id, channel_id=channel_id, admin_id=admin, now=now
    )


def _channel_checked(
    session: Session, team_id: str, seen: ChannelSeen | None, now: datetime
) -> None:
    """An admin acted on the channel (saved it, clicked "Check again", invited the bot): its
    state is recorded; once it works, failed posts are owed again and waiting wins queued.
    Slack did not say (`seen` None): nothing is recorded, waiting wins are queued anyway."""
    problem = None
    if seen is not None:
        problem = service.channel_problem(exists=seen.exists, is_member=seen.is_member)
        _channel_state(
            session, team_id=team_id, channel_id=seen.channel_id, problem=problem, now=now
        )
        if problem is None:
            for delivery in service_posting.failed_posts_to_retry(
                session=session, team_id=team_id, channel_id=seen.channel_id
            ):
                effects.owe_post_again(session=session, delivery=delivery, now=now)
    queue_waiting_wins(session=session, team_id=team_id, now=now)


def channel_checked(
    factory: Factory, actor: Actor | None, *, team_id: str, seen: ChannelSeen | None, now: datetime
) -> None:
    """An admin clicked "Check again", or invited the bot into the celebration channel: see
    `_channel_checked`; the admin who clicked sees the outcome in their Home tab."""
    with session_scope(factory) as session:
        settings = service.settings_of(session=session, team_id=team_id)
        if seen is None or settings.channel_id == seen.channel_id:
            _channel_checked(session, team_id, seen, now)
        if actor is not None:
            owe_homes(session=session, team_id=team_id, user_ids=[actor.user_id], now=now)


def celebration_channel(factory: Factory, *, team_id: str) -> str | None:
    with session_scope(factory) as session:
        return service.settings_of(session=session, team_id=team_id).channel_id


def is_celebration_channel_join(
    factory: Factory, *, team_id: str, channel_id: str, user_id: str, bot_user_id: str | None
) -> bool:
    with session_scope(factory) as session:
        return service.is_celebration_channel_join(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            bot_user_id=bot_user_id,
        )


def win_post_refused(
    *, session: Session, team_id: str, channel_id: str, error: str, now: datetime
) -> None:
    """In the ledger's transaction: Slack refused a card for good. When its error says the
    channel is the problem, the problem is recorded (App Home shows it) and an admin is told,
    once until the channel works again."""
    problem = service.refused_post_problem(error)
    if problem is None:
        return
    _channel_state(session, team_id=team_id, channel_id=channel_id, problem=problem, now=now)


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class SettingsShown:
    """The settings modal's initial values (the admin's own zone until settings are saved)."""

    channel_id: str | None
    weekday: int
    hour: int
    tz: str
    top_performers: bool
    won_stages: str
    portal_id: str
    base_currency: str
    exchange_rates: str
    salesforce_stages: str = ""


def settings_shown(factory: Factory, *, team_id: str, admin_tz: str) -> SettingsShown:
    with session_scope(factory) as session:
        settings = service.settings_of(session=session, team_id=team_id)
        stored = session.get(CelebrationSettings, team_id) is not None
        return SettingsShown(
            channel_id=settings.channel_id,
            weekday=settings.gazette_weekday,
            hour=settings.gazette_hour,
            tz=settings.gazette_tz if stored else admin_tz,
            top_performers=settings.top_performers,
            won_stages=", ".join(settings.won_stages or service.DEFAULT_WON_STAGES),
            portal_id=settings.hubspot_portal_id or "",
            base_currency=settings.base_currency or "",
            exchange_rates=format_rates(settings.exchange_rates or {}),
            salesforce_stages=", ".join(settings.salesforce_won_stages or []),
        )


def save_settings(
    factory: Factory,
    actor: Actor,
    *,
    change: SettingsChange,
    seen: ChannelSeen | None,
    now: datetime,
) -> None:
    """An admin's settings, with their gazette and top-performers schedules; the channel as
    Slack showed it (recorded, an admin told once of a problem); the wins that waited for a
    channel, or failed in a broken one, owed to it; the admin's Home shows the new settings."""
    with session_scope(factory) as session:
        service.save_settings(
            session=session, team_id=actor.team_id, change=change, updated_by=actor.user_id, now=now
        )
        _channel_checked(session, actor.team_id, seen, now)
        owe_homes(session=session, team_id=actor.team_id, user_ids=[actor.user_id], now=now)
