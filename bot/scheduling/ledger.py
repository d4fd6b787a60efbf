"""The delivery ledger: every scheduled send (and every message the outbox owes) from due to
sent, skipped or failed, and the claims of the senders that deliver it.

Exactly-once rests on two things, both here:
- the ledger's unique key (team, kind, recipient, period): a period is entered once, whoever
  plans it (a job fired twice, two clocks, an operator's `jobs run`);
- the claim: a row moves pending → sending in one conditional write before the Slack call, so
  one worker at most owns it (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: BEGIN IMMEDIATE).
  A claim is a lease of CLAIM_LEASE on the wall clock, counted from the claim (never from the
  tick's `now`, which only decides what is due) and renewed by a sender that waits; a claim
  older than that is a dead process's, and recovery may take the row back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore, rows_affected
from bot.privacy.pseudonyms import is_pseudonym
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.scheduling.service import DueItem
from bot.workspaces.models import Member, Workspace

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=30)
# A claim older than this with no outcome belongs to a process that died mid-send. Counted on
# the wall clock from the claim or its last renewal: a live sender that waits (pacing, a 429's
# Retry-After) renews it before it would run out (bot/scheduling/lease.py).
CLAIM_LEASE = timedelta(minutes=2)


def enqueue(*, session: Session, kind: str, items: Sequence[DueItem], now: datetime) -> int:
    """Enter due items in the ledger; a key already there is left as it is. Returns new rows."""
    if not items:
        return 0
    rows = [
        {
            "team_id": item.team_id,
            "kind": kind,
            "recipient": item.recipient,
            "period": item.period,
            "subject": item.subject,
            "due_at": item.due_at,
            # Workable from its due time, not from this process's clock: a second clock whose
            # tick began a moment earlier still finds it.
            "next_attempt_at": min(item.due_at, now),
            "status": DeliveryStatus.skipped if item.skip_reason else DeliveryStatus.pending,
            "error": item.skip_reason,
            "finished_at": now if item.skip_reason else None,
            "attempts": 0,
            "parts_sent": 0,
            "created_at": now,
        }
        for item in items
    ]
    created = 0
    for chunk_start in range(0, len(rows), 500):
        created += insert_or_ignore(
            session,
            Delivery,
            rows[chunk_start : chunk_start + 500],
            ["team_id", "kind", "recipient", "period"],
        )
    return created


def _work_query(kind: str, now: datetime, team_id: str | None) -> Select[Any]:
    query = select(Delivery).where(
        Delivery.kind == kind,
        Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry]),
        Delivery.next_attempt_at <= now,
    )
    if team_id is not None:
        query = query.where(Delivery.team_id == team_id)
    return query


def claim_next(
    *,
    session: Session,
    kind: str,
    now: datetime,
    worker: str,
    team_id: str | None = None,
    claimed_at: datetime | None = None,
) -> Delivery | None:
    """Take the oldest due ledger row for this worker, or None when there is no work left.

    Call inside a write transaction (`session_scope(...)`): on PostgreSQL the row is
    locked and skipped by other workers; on SQLite the write lock serialises claims.

    `now` decides what is due (a tick's time, injectable); the lease starts at `claimed_at`,
    the wall-clock time of this claim (default `now`): a row claimed late in a long tick must
    not look stale to another clock the moment it is claimed. Each claim counts an attempt, so
    (worker, attempts) names this claim and no later one (`renew_claim`).
    """
    query = _work_query(kind, now, team_id).order_by(Delivery.id).limit(1)
    delivery: Delivery | None = session.scalar(query.with_for_update(skip_locked=True))
    if delivery is None:
        return None
    delivery.status = DeliveryStatus.sending
    delivery.claimed_by = worker
    delivery.claimed_at = claimed_at or now
    delivery.attempts += 1
    session.flush()
    return delivery


def renew_claim(
    *, session: Session, delivery_id: int, worker: str, attempts: int, now: datetime
) -> bool:
    """Restart a claim's lease at `now` (wall clock); False when the claim is no longer this
    worker's: recovered by another clock after it ran out (back to pending, or claimed again,
    which counted another attempt), or finished. A sender told False must not post."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == DeliveryStatus.sending,
            Delivery.claimed_by == worker,
            Delivery.attempts == attempts,
        )
        .values(claimed_at=now)
    )
    return rows_affected(result) == 1


def pending_count(*, session: Session, kind: str, now: datetime, team_id: str | None) -> int:
    query = _work_query(kind, now, team_id).with_only_columns(func.count())
    return session.scalar(query) or 0


def record_part_sent(
    *, session: Session, delivery_id: int, parts_sent: int, channel: str, ts: str | None
) -> None:
    """A multi-part send advances part by part, so a crash resumes after the last part sent."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(parts_sent=parts_sent, channel=channel, ts=func.coalesce(Delivery.ts, ts))
    )


def record_uploaded_file(*, session: Session, delivery_id: int, file_id: str) -> None:
    """The image a send shows is uploaded before its post; its id is kept with the row so
    that a retry (a post refused or unanswered, a crash) shows that file, never a new one."""
    session.execute(
        update(Delivery).where(Delivery.id == delivery_id).values(uploaded_file_id=file_id)
    )


@dataclass(frozen=True)
class LastPart:
    """The last part's answer, recorded with the row's end (one write, not two)."""

    parts_sent: int
    channel: str
    ts: str | None


def mark_sent(
    *,
    session: Session,
    delivery_id: int,
    now: datetime,
    version: int | None = None,
    last: LastPart | None = None,
) -> bool:
    """The send is done. For an object (a card, a Home tab) sent at `version`: when its state
    moved on meanwhile (a newer version), the row goes back to pending, to be rendered and
    sent again from the newer state; the last send always shows the latest state. Returns
    whether the row is finished."""
    values: dict[str, Any] = {"status": DeliveryStatus.sent, "finished_at": now, "error": None}
    if last is not None:
        values.update(
            parts_sent=last.parts_sent,
            channel=last.channel,
            ts=func.coalesce(Delivery.ts, last.ts),
        )
    if version is None:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))
        return True
    done = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.version <= version)
        .values(**values)
    )
    if rows_affected(done):
        return True
    again: dict[str, Any] = {
        "status": DeliveryStatus.pending,
        "next_attempt_at": now,
        "attempts": 0,
        "parts_sent": 0,
        "error": None,
        "claimed_by": None,
    }
    if last is not None:  # where the object is now shown (a card's first post)
        again.update(channel=last.channel, ts=func.coalesce(Delivery.ts, last.ts))
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**again))
    return False


def defer(*, session: Session, delivery_id: int, until: datetime, reason: str) -> None:
    """Not sendable yet (a thread note whose card Slack has not shown yet): back to the queue
    until `until`, and the attempt the claim counted is given back."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status=DeliveryStatus.pending,
            next_attempt_at=until,
            attempts=case((Delivery.attempts > 0, Delivery.attempts - 1), else_=0),
            claimed_by=None,
            error=reason,
        )
    )


def mark_skipped(*, session: Session, delivery_id: int, reason: str, now: datetime) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=DeliveryStatus.skipped, finished_at=now, error=reason)
    )


# A failed attempt's error when Slack never answered (a timeout, a reset connection): the post
# may or may not be in Slack, so the retry looks there first, as a crash recovery does.
UNKNOWN_OUTCOME = "no answer from Slack: "


def outcome_unknown(error: str | None) -> bool:
    """Whether the last attempt may have reached Slack although it failed for the bot."""
    return bool(error and error.startswith(UNKNOWN_OUTCOME))


def retry_delay(
    attempts: int, *, base: timedelta = RETRY_BASE, cap: timedelta = RETRY_CAP
) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, ... capped at 30 min (scheduled sends; the
    outbox's interactive messages start at 2 s and cap at a minute)."""
    return min(base * (2 ** min(max(attempts - 1, 0), 32)), cap)


def mark_attempt_failed(
    *,
    session: Session,
    delivery: Delivery,
    error: str,
    now: datetime,
    max_attempts: int,
    retry_base: timedelta = RETRY_BASE,
    retry_cap: timedelta = RETRY_CAP,
) -> DeliveryStatus:
    """A failed send is retried with backoff; after `max_attempts` it is failed for good."""
    if delivery.attempts >= max_attempts:
        status = DeliveryStatus.failed
        values = {"status": status, "error": error, "finished_at": now}
    else:
        status = DeliveryStatus.retry
        values = {
            "status": status,
            "error": error,
            "next_attempt_at": now + retry_delay(delivery.attempts, base=retry_base, cap=retry_cap),
        }
    session.execute(update(Delivery).where(Delivery.id == delivery.id).values(**values))
    return status


def stale_claims(
    *,
    session: Session,
    kind: str,
    now: datetime,
    team_id: str | None = None,
    lease: timedelta | None = None,
    dead_workers: Sequence[str] = (),
) -> list[Delivery]:
    """Rows left in `sending` by a process that died: the only sends whose outcome is unknown.

    A claim is stale when neither made nor renewed within `lease` (default CLAIM_LEASE)
    before `now`, the wall clock (claims and renewals are stamped with it, not a tick's time),
    or at once when its worker is known to be dead (a process of this host that is gone).
    """
    expired = Delivery.claimed_at < now - (lease or CLAIM_LEASE)
    query = select(Delivery).where(
        Delivery.kind == kind,
        Delivery.status == DeliveryStatus.sending,
        or_(expired, Delivery.claimed_by.in_(dead_workers)) if dead_workers else expired,
    )
    if team_id is not None:
        query = query.where(Delivery.team_id == team_id)
    return list(session.scalars(query.with_for_update(skip_locked=True)))


def claimers(*, session: Session, kind: str, team_id: str | None = None) -> list[str]:
    """Who holds claims of this kind now (to tell the dead among them)."""
    query = select(Delivery.claimed_by).where(
        Delivery.kind == kind,
        Delivery.status == DeliveryStatus.sending,
        Delivery.claimed_by.is_not(None),
    )
    if team_id is not None:
        query = query.where(Delivery.team_id == team_id)
    return [worker for worker in session.scalars(query.distinct()) if worker]


def release_claim(*, session: Session, delivery_id: int, parts_sent: int) -> None:
    """Give a recovered claim back to the queue, remembering how many parts Slack already has."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=DeliveryStatus.pending, parts_sent=parts_sent, claimed_by=None)
    )


def failed_deliveries(*, session: Session, team_id: str, limit: int = 10) -> list[Delivery]:
    """Sends that gave up, newest first: the admins' Home tab lists them."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.team_id == team_id, Delivery.status == DeliveryStatus.failed)
            .order_by(Delivery.finished_at.desc())
            .limit(limit)
        )
    )


def dm_refusal(*, session: Session, team_id: str, user_id: str) -> str | None:
    """Why the bot must not write to this person, or None: the one check of every DM path.

    A pseudonym left by an erasure names nobody any more; a member who left the workspace
    (deleted in Slack) gets nothing from the bot.
    """
    if is_pseudonym(user_id):
        return "recipient erased"
    member = session.get(Member, (team_id, user_id))
    if member is not None and member.deleted:
        return "recipient left the workspace"
    return None


def blocked_reason(*, session: Session, delivery: Delivery) -> str | None:
    """Why a due send must not go out any more, checked just before it is sent.

    Nothing goes to a workspace that uninstalled the app, and no DM that `dm_refusal` refuses.
    """
    workspace = session.get(Workspace, delivery.team_id)
    if workspace is None or workspace.uninstalled_at is not None:
        return "workspace uninstalled"
    if delivery.recipient[:1] in {"U", "W"} or is_pseudonym(delivery.recipient):
        return dm_refusal(session=session, team_id=delivery.team_id, user_id=delivery.recipient)
    return None
