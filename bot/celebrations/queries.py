"""Reading wins for the gazette, the digest, the top performers and Home (re-exported by
service.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.celebrations.models import PostState, Win, WinReaction
from bot.celebrations.ranking import WinFact, Winner
from bot.charts.series import WinWeek
from bot.scheduling.cadence import local_days_window

# States of a win that counts in gazettes, digests and standings.
COUNTED_STATES = (PostState.ready, PostState.queued, PostState.posted)


# ---------------------------------------------------------------- reading wins


def wins_between(
    *, session: Session, team_id: str, start: datetime, end: datetime
) -> list[WinFact]:
    """Wins recorded in [start, end) that count (not still preparing, not failed), with the
    number of reactions on their post."""
    reactions = (
        select(WinReaction.win_id, func.count().label("n"))
        .where(WinReaction.team_id == team_id, WinReaction.present.is_(True))
        .group_by(WinReaction.win_id)
        .subquery()
    )
    rows = session.execute(
        select(Win, func.coalesce(reactions.c.n, 0))
        .outerjoin(reactions, reactions.c.win_id == Win.id)
        .where(
            Win.team_id == team_id,
            Win.created_at >= start,
            Win.created_at < end,
            Win.post_state.in_(COUNTED_STATES),
        )
        .order_by(Win.created_at, Win.id)
    )
    return [fact_of(win, reactions=int(count)) for win, count in rows]


def recent_wins(*, session: Session, team_id: str, limit: int = 3) -> list[WinFact]:
    """The latest wins posted in the channel, newest first (Home)."""
    wins = session.scalars(
        select(Win)
        .where(Win.team_id == team_id, Win.post_state == PostState.posted)
        .order_by(Win.created_at.desc(), Win.id.desc())
        .limit(limit)
    )
    return [fact_of(win) for win in wins]


def fact_of(win: Win, *, reactions: int = 0) -> WinFact:
    """What the rules and views need of a win, detached from the session."""
    return WinFact(
        id=win.id,
        kind=win.kind,
        title=win.title,
        amount=win.amount,
        currency=win.currency,
        winners=tuple(Winner(w.user_id, w.name) for w in win.winners),
        created_at=win.created_at,
        reactions=reactions,
        channel_id=win.channel_id,
        ts=win.ts,
    )


def wins_of(wins: Iterable[WinFact], user_id: str) -> list[WinFact]:
    """The wins a person is one of the winners of."""
    return [win for win in wins if any(w.user_id == user_id for w in win.winners)]


QUARTER_WEEKS = 13


def wins_per_week(
    *, session: Session, team_id: str, week_end: date, tz: str, weeks: int = QUARTER_WEEKS
) -> list[WinWeek]:
    """Wins that count, per week of local days (the gazette's weeks), the last `weeks` weeks
    up to `week_end`, oldest first: the gazette's chart. One read of the quarter's dates."""
    first = week_end - timedelta(days=7 * weeks - 1)
    start, end = local_days_window(start=first, end=week_end, tz=tz)
    counts = [0] * weeks
    zone = ZoneInfo(tz)
    for (created_at,) in session.execute(
        select(Win.created_at).where(
            Win.team_id == team_id,
            Win.created_at >= start,
            Win.created_at < end,
            Win.post_state.in_(COUNTED_STATES),
        )
    ):
        aware = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        index = (aware.astimezone(zone).date() - first).days // 7
        if 0 <= index < weeks:
            counts[index] += 1
    return [
        WinWeek(week_start=first + timedelta(days=7 * index), wins=count)
        for index, count in enumerate(counts)
    ]
