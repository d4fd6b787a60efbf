"""Rules around the people and the channel a win reaches (re-exported by service.py).

The e-mail → Slack user cache, who hears about problems, whether the bot can post in the
celebration channel, and reactions on win posts (the month's best cases).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.celebrations.models import CelebrationSettings, EmailLookup, Win, WinReaction
from bot.db import insert_or_ignore
from bot.scheduling.ledger import dm_refusal
from bot.workspaces.models import Member
from bot.workspaces.service import ensure_workspace

# users.lookupByEmail answers are kept this long: a match rarely changes, a miss may join soon.
EMAIL_MATCH_MAX_AGE = timedelta(days=30)
EMAIL_MISS_MAX_AGE = timedelta(days=1)


# ---------------------------------------------------------------- e-mail → Slack user


def cached_email_user(
    *, session: Session, team_id: str, email: str, now: datetime
) -> EmailLookup | None:
    """A fresh cached answer (EMAIL_MATCH_MAX_AGE for a match, EMAIL_MISS_MAX_AGE for a miss)."""
    cached = session.get(EmailLookup, (team_id, email.lower()))
    if cached is None:
        return None
    max_age = EMAIL_MATCH_MAX_AGE if cached.user_id else EMAIL_MISS_MAX_AGE
    return cached if now - cached.looked_up_at < max_age else None


def remember_email_user(
    *, session: Session, team_id: str, email: str, user_id: str | None, now: datetime
) -> None:
    """Cache what users.lookupByEmail answered, a miss (None) included."""
    ensure_workspace(session=session, team_id=team_id)
    cached = session.get(EmailLookup, (team_id, email.lower()))
    if cached is None:
        session.add(
            EmailLookup(team_id=team_id, email=email.lower(), user_id=user_id, looked_up_at=now)
        )
    else:
        cached.user_id, cached.looked_up_at = user_id, now
    session.flush()


def claim_unknown_email_notice(
    *, session: Session, team_id: str, email: str, now: datetime
) -> bool:
    """True the first time an e-mail that matches nobody in Slack is reported: admins are told
    once per e-mail, not once per deal."""
    cached = session.get(EmailLookup, (team_id, email.lower()))
    if cached is None or cached.user_id is not None or cached.admins_told_at is not None:
        return False
    cached.admins_told_at = now
    return True


def admin_ids(*, session: Session, team_id: str) -> list[str]:
    """Who hears about celebration problems: the admin who saved the settings, then the
    workspace's admins and owners known to the member directory."""
    settings = session.get(CelebrationSettings, team_id)
    admins = list(
        session.scalars(
            select(Member.user_id)
            .where(
                Member.team_id == team_id,
                or_(Member.is_admin.is_(True), Member.is_owner.is_(True)),
                Member.deleted.is_(False),
                Member.is_bot.is_(False),
            )
            .order_by(Member.user_id)
        )
    )
    if settings is not None and settings.updated_by:
        admins = [settings.updated_by, *(a for a in admins if a != settings.updated_by)]
    return admins


def admin_to_tell(*, session: Session, team_id: str) -> str | None:
    """The one admin a celebration problem is told to (see `admin_ids`), in their own DMs:
    not an erased settings author (a pseudonym names nobody) nor one who left Slack."""
    for admin in admin_ids(session=session, team_id=team_id):
        if dm_refusal(session=session, team_id=team_id, user_id=admin) is None:
            return admin
    return None


# ---------------------------------------------------------------- the channel's health


NOT_IN_CHANNEL = "not_in_channel"
CHANNEL_NOT_FOUND = "channel_not_found"


def channel_problem(*, exists: bool, is_member: bool) -> str | None:
    """What stops the bot from posting in a channel: None when it is a member; a channel it
    cannot see (private, or gone) is "channel_not_found", one it can see but is not in is
    "not_in_channel" (an admin invites it)."""
    if exists and is_member:
        return None
    return NOT_IN_CHANNEL if exists else CHANNEL_NOT_FOUND


def refused_post_problem(error: str) -> str | None:
    """What Slack's refusal of a win post says about the celebration channel: the bot is not
    in it ("not_in_channel"), or cannot see it any more (gone, archived, private). Other
    failures say nothing about the channel."""
    if error == NOT_IN_CHANNEL:
        return NOT_IN_CHANNEL
    if error in {CHANNEL_NOT_FOUND, "is_archived"}:
        return CHANNEL_NOT_FOUND
    return None


def record_channel_state(
    *, session: Session, team_id: str, channel_id: str, problem: str | None
) -> bool:
    """Remember whether the bot can post in the celebration channel. Returns True when admins
    must be told now: the first problem seen since the channel last worked. Once it works
    again the warning is forgotten, so a later removal of the bot is reported again."""
    settings = session.get(CelebrationSettings, team_id)
    if settings is None or settings.channel_id != channel_id:
        return False
    settings.channel_problem = problem
    if problem is None:
        settings.channel_warned_for = None
        return False
    if settings.channel_warned_for == channel_id:
        return False
    settings.channel_warned_for = channel_id
    return True


def is_celebration_channel_join(
    *, session: Session, team_id: str, channel_id: str, user_id: str, bot_user_id: str | None
) -> bool:
    """The bot itself just joined the celebration channel (an admin invited it): the channel
    is checked again at once and what waited is posted, with nobody clicking "Check again"."""
    if not bot_user_id or user_id != bot_user_id:
        return False
    settings = session.get(CelebrationSettings, team_id)
    return settings is not None and settings.channel_id == channel_id


# ---------------------------------------------------------------- reactions


def win_by_post(*, session: Session, team_id: str, channel_id: str, ts: str) -> Win | None:
    """The win whose card is this message, if any."""
    return session.scalar(
        select(Win).where(Win.team_id == team_id, Win.channel_id == channel_id, Win.ts == ts)
    )


def record_reaction(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    ts: str,
    user_id: str,
    name: str,
    added: bool,
    event_ts: str,
    bot_user_id: str | None,
) -> bool:
    """A reaction added to or taken back from a message. The bot's own (the :tada: it adds
    to every card) is no vote for the best cases; nor is a reaction on any other message.
    It counts once per person and emoji (Slack's retries do not add up), and the latest event
    wins whatever order the two arrive in (a removal handled before its add leaves none).
    Returns True when it counted."""
    if not user_id or user_id == bot_user_id:
        return False
    win = win_by_post(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    if win is None:
        return False
    key = {"team_id": team_id, "win_id": win.id, "user_id": user_id, "name": name[:100]}
    insert_or_ignore(session, WinReaction, [{**key, "present": added, "event_ts": ""}], list(key))
    reaction = session.scalars(
        select(WinReaction)
        .filter_by(**key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if is_newer_event(event_ts, than=reaction.event_ts):
        reaction.present, reaction.event_ts = added, event_ts
    return True


def is_newer_event(event_ts: str, *, than: str) -> bool:
    """Slack's event_ts ("1700000001.000200") orders a person's add and removal of one emoji;
    a retry carries the same time and changes nothing. A missing time counts as the oldest."""
    return _event_time(event_ts) >= _event_time(than) if than else True


def _event_time(event_ts: str) -> Decimal:
    try:
        return Decimal(event_ts)
    except (InvalidOperation, ValueError):
        return Decimal(0)
