"""A win's way to the celebration channel: preparing (what a CRM or an e-mail still owes it),
ready, queued in the delivery ledger, posted. The rules only; the fetching is preparation.py.

A rules module of celebrations (see service.py for the map). No Slack, no HubSpot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select, update
from sqlalchemy.orm import Session

from bot.celebrations.models import CelebrationSettings, PostState, Win, WinWinner
from bot.celebrations.rules import DealDetails, display_name_for_email, is_known_currency
from bot.scheduling.models import Delivery, DeliveryStatus

WIN_POST_KIND = "celebrations-win-post"

# A preparation (HubSpot fetch, e-mail lookups) owns its win this long; then another may retry.
PREPARE_LEASE = timedelta(minutes=2)
PREPARE_RETRY_BASE = timedelta(seconds=30)
PREPARE_RETRY_CAP = timedelta(minutes=30)
MAX_PREPARE_ATTEMPTS = 6

# ---------------------------------------------------------------- preparing wins


@dataclass(frozen=True)
class Preparation:
    win_id: int
    team_id: str
    deal_id: str | None
    emails: tuple[str, ...]


def teams_with_wins_to_prepare(
    *, session: Session, now: datetime, team_id: str | None = None
) -> list[str]:
    """Workspaces with wins whose preparation is due: never started, or a retry whose time
    came, or a lease a dead worker left behind."""
    query = select(Win.team_id).distinct().where(*_preparable(now))
    if team_id is not None:
        query = query.where(Win.team_id == team_id)
    return list(session.scalars(query))


def _preparable(now: datetime) -> list[ColumnElement[bool]]:
    return [
        Win.post_state == PostState.preparing,
        or_(Win.prepare_after.is_(None), Win.prepare_after <= now),
    ]


def claim_wins_to_prepare(
    *, session: Session, now: datetime, team_id: str | None = None, limit: int = 20
) -> list[Preparation]:
    """Take wins whose details are still to fetch; each is leased (PREPARE_LEASE) to this
    worker, so two processes never fetch the same deal at once and a dead worker's win is
    taken again after the lease."""
    query = select(Win).where(*_preparable(now))
    if team_id is not None:
        query = query.where(Win.team_id == team_id)
    query = query.order_by(Win.id).limit(limit).with_for_update(skip_locked=True)
    claimed = []
    for win in session.scalars(query):
        win.prepare_attempts += 1
        win.prepare_after = now + PREPARE_LEASE
        emails = tuple(w.email for w in win.winners if w.email and w.user_id is None)
        claimed.append(Preparation(win.id, win.team_id, win.hubspot_deal_id, emails))
    session.flush()
    return claimed


def complete_preparation(
    *,
    session: Session,
    win_id: int,
    deal: DealDetails | None,
    resolved: Mapping[str, str | None],
) -> Win:
    """Fill in what was fetched and make the win ready to post.

    The deal gives the title, amount and currency (an unknown currency drops the amount rather
    than show a wrong one; no currency means the base currency setting) and its owner as
    winner. A winner whose e-mail matched nobody in Slack
    keeps their name as text.
    """
    win = session.get_one(Win, win_id)
    if deal is not None:
        win.title = (deal.name or win.title)[:200]
        # A single-currency HubSpot account leaves deal_currency_code empty: its amounts are in
        # the workspace's base currency when one is set, else shown without an amount.
        settings = session.get(CelebrationSettings, win.team_id)
        currency = deal.currency or (settings.base_currency if settings else None)
        if deal.amount is not None and currency and is_known_currency(currency):
            win.amount, win.currency = deal.amount, currency.upper()
        if deal.owner_email or deal.owner_name:
            email = deal.owner_email.lower() if deal.owner_email else None
            if not any(email and w.email == email for w in win.winners):
                win.winners.append(
                    WinWinner(
                        team_id=win.team_id,
                        position=len(win.winners),
                        email=email,
                        name=(deal.owner_name or display_name_for_email(email or ""))[:200],
                    )
                )
    for winner in win.winners:
        if winner.user_id is None and winner.email:
            winner.user_id = resolved.get(winner.email)
            if not winner.name:
                winner.name = display_name_for_email(winner.email)
    win.post_state = PostState.ready
    win.prepare_after = None
    win.problem = None
    session.flush()
    return win


def preparation_failed(
    *, session: Session, win_id: int, problem: str, now: datetime, permanent: bool
) -> PostState:
    """A failed fetch is retried with backoff (30 s, 1 min, ... ≤ 30 min) up to
    MAX_PREPARE_ATTEMPTS; a permanent failure (deal not found) or the last attempt gives up."""
    win = session.get_one(Win, win_id)
    win.problem = problem[:2000]
    if permanent or win.prepare_attempts >= MAX_PREPARE_ATTEMPTS:
        win.post_state = PostState.failed
        win.prepare_after = None
    else:
        delay = PREPARE_RETRY_BASE * (2 ** max(win.prepare_attempts - 1, 0))
        win.prepare_after = now + min(delay, PREPARE_RETRY_CAP)
    return PostState(win.post_state)


# ---------------------------------------------------------------- posting wins


def queue_win(*, win: Win, channel_id: str) -> None:
    """A ready win enters the delivery ledger for the celebration channel (its card is owed
    there once, keyed by the win: a later change of channel does not post it twice)."""
    win.post_state = PostState.queued
    win.channel_id = channel_id


def queue_ready_wins(*, session: Session, team_id: str | None = None) -> list[Win]:
    """Ready wins of workspaces that have a celebration channel are queued for it (oldest
    first). Wins of a workspace without a channel wait (admins see it in App Home); a win
    queued at the same moment by another process is skipped, not queued twice."""
    query = (
        select(Win, CelebrationSettings.channel_id)
        .join(CelebrationSettings, CelebrationSettings.team_id == Win.team_id)
        .where(Win.post_state == PostState.ready, CelebrationSettings.channel_id.is_not(None))
        .order_by(Win.id)
        .limit(500)
        .with_for_update(of=Win, skip_locked=True)
    )
    if team_id is not None:
        query = query.where(Win.team_id == team_id)
    queued = []
    for win, channel_id in session.execute(query):
        queue_win(win=win, channel_id=str(channel_id))
        queued.append(win)
    session.flush()
    return queued


def mark_win_posted(*, session: Session, win_id: int, channel: str, ts: str, now: datetime) -> None:
    """The card is in the channel: remember where, for reactions and best cases."""
    session.execute(
        update(Win)
        .where(Win.id == win_id)
        .values(post_state=PostState.posted, channel_id=channel, ts=ts, posted_at=now)
    )


def failed_posts_to_retry(*, session: Session, team_id: str, channel_id: str) -> list[Delivery]:
    """Once an admin fixed the channel (the bot is in it, or another channel was chosen), win
    posts that failed for good are tried again: no win is lost to a setup mistake.

    Returns the failed posts to this channel, to be owed again. One to an old channel is closed
    as skipped and its win made ready again, to be queued for the current channel.
    """
    failed = session.scalars(
        select(Delivery).where(
            Delivery.team_id == team_id,
            Delivery.kind == WIN_POST_KIND,
            Delivery.status == DeliveryStatus.failed,
        )
    ).all()
    again = []
    for delivery in failed:
        if delivery.recipient == channel_id:
            again.append(delivery)
            continue
        delivery.status = DeliveryStatus.skipped
        delivery.error = "the celebration channel changed; posted in the new one"
        session.execute(
            update(Win)
            .where(Win.id == int(delivery.subject), Win.post_state == PostState.queued)
            .values(post_state=PostState.ready)
        )
    session.flush()
    return again


def waiting_wins(*, session: Session, team_id: str) -> int:
    """Wins that cannot be posted yet, as admins see it in App Home: ready ones (waiting for a
    channel, or for the next tick) and queued ones whose post failed or is being retried (e.g.
    the bot is not in the channel). Wins still being prepared are on their way, not waiting."""
    ready = session.scalar(
        select(func.count())
        .select_from(Win)
        .where(Win.team_id == team_id, Win.post_state == PostState.ready)
    )
    stuck = session.scalar(
        select(func.count(func.distinct(Win.id)))
        .select_from(Win)
        .join(
            Delivery,
            and_(
                Delivery.team_id == Win.team_id,
                Delivery.kind == WIN_POST_KIND,
                Delivery.subject == cast(Win.id, String),
            ),
        )
        .where(
            Win.team_id == team_id,
            Win.post_state == PostState.queued,
            Delivery.status.in_((DeliveryStatus.failed, DeliveryStatus.retry)),
        )
    )
    return (ready or 0) + (stuck or 0)
