"""The rules of scheduled sends: when a schedule is due, and the delivery ledger.

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
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore, rows_affected
from bot.privacy.pseudonyms import is_pseudonym
from bot.scheduling.cadence import (
    Cadence,
    Frequency,
    latest_occurrence,
    next_occurrence,
    period_of,
)
from bot.scheduling.models import Delivery, DeliveryStatus, Schedule
from bot.scheduling.public_holidays import public_holidays
from bot.workspaces.models import Member, Workspace

# Missed occurrences older than the latest are recorded as skipped, up to this many per tick.
MAX_MISSED_RECORDED = 12
# Schedules planned per tick and kind, at most; planned (locked, advanced, entered in the
# ledger, committed) this many at a time, so that two clocks share a slot's work at once.
PLAN_LIMIT = 5000
PLAN_BATCH = 50
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=30)
# A claim older than this with no outcome belongs to a process that died mid-send. Counted on
# the wall clock from the claim or its last renewal: a live sender that waits (pacing, a 429's
# Retry-After) renews it before it would run out (bot/scheduling/lease.py).
CLAIM_LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class DueItem:
    """One send the plan found due: it becomes a ledger row unless its key is already there."""

    team_id: str
    recipient: str
    period: str
    subject: str
    due_at: datetime
    skip_reason: str | None = None


# ---------------------------------------------------------------- schedules


def holidays_of(*, session: Session, team_id: str, around: date | None = None) -> frozenset[date]:
    """The days nobody in the team works besides weekends: its country's public holidays
    (around `around`, default today), plus the days its admins added, minus the public holidays
    they said the team works."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        return frozenset()
    added = {date.fromisoformat(day) for day in workspace.holidays or []}
    worked = {date.fromisoformat(day) for day in workspace.worked_holidays or []}
    public = public_holidays(
        workspace.holiday_country, workspace.holiday_subdivision, around=around or date.today()
    )
    return frozenset((public - worked) | added)


def cadence_of(schedule: Schedule, holidays: frozenset[date] = frozenset()) -> Cadence:
    return Cadence(
        frequency=Frequency(schedule.frequency),
        hour=schedule.hour,
        minute=schedule.minute,
        weekday=schedule.weekday,
        tz=schedule.tz,
        holidays=holidays,
    )


def save_schedule(
    *,
    session: Session,
    team_id: str,
    kind: str,
    subject: str,
    recipient: str,
    cadence: Cadence,
    now: datetime,
    tz_follows_recipient: bool = False,
) -> Schedule:
    """Create or change a schedule. A changed cadence moves the next run at once, everywhere.

    An unchanged cadence keeps its pending `next_run_at`: saving the same settings twice must
    not push a due send into the future.
    """
    schedule = find_schedule(session=session, team_id=team_id, kind=kind, subject=subject)
    if schedule is None:
        # Two processes may schedule the same subject at once (two clocks meeting a new member).
        insert_or_ignore(
            session,
            Schedule,
            [
                {
                    "team_id": team_id,
                    "kind": kind,
                    "subject": subject,
                    "recipient": recipient,
                    "frequency": cadence.frequency.value,
                    "weekday": cadence.weekday,
                    "hour": cadence.hour,
                    "minute": cadence.minute,
                    "tz": cadence.tz,
                    "tz_follows_recipient": tz_follows_recipient,
                    "paused": False,
                    "next_run_at": next_occurrence(cadence, now),
                    "updated_at": now,
                }
            ],
            ["team_id", "kind", "subject"],
        )
        schedule = find_schedule(session=session, team_id=team_id, kind=kind, subject=subject)
        assert schedule is not None
    changed = (
        schedule.frequency != cadence.frequency.value
        or schedule.weekday != cadence.weekday
        or schedule.hour != cadence.hour
        or schedule.minute != cadence.minute
        or schedule.tz != cadence.tz
        or schedule.recipient != recipient
    )
    schedule.recipient = recipient
    schedule.frequency = cadence.frequency.value
    schedule.weekday = cadence.weekday
    schedule.hour = cadence.hour
    schedule.minute = cadence.minute
    schedule.tz = cadence.tz
    schedule.tz_follows_recipient = tz_follows_recipient
    if changed:
        schedule.next_run_at = next_occurrence(cadence, now)
    session.flush()
    return schedule


def find_schedule(*, session: Session, team_id: str, kind: str, subject: str) -> Schedule | None:
    return session.scalar(
        select(Schedule).where(
            Schedule.team_id == team_id, Schedule.kind == kind, Schedule.subject == subject
        )
    )


def pause_schedule(*, session: Session, team_id: str, kind: str, subject: str) -> None:
    """A paused schedule sends nothing until it is resumed."""
    schedule = find_schedule(session=session, team_id=team_id, kind=kind, subject=subject)
    if schedule is not None:
        schedule.paused = True


def resume_schedule(
    *, session: Session, team_id: str, kind: str, subject: str, now: datetime
) -> None:
    """Resuming restarts from the next slot after now: no backlog of missed sends."""
    schedule = find_schedule(session=session, team_id=team_id, kind=kind, subject=subject)
    if schedule is None:
        return
    schedule.paused = False
    holidays = holidays_of(session=session, team_id=team_id)
    schedule.next_run_at = next_occurrence(cadence_of(schedule, holidays), now)


def delete_schedule(*, session: Session, team_id: str, kind: str, subject: str) -> None:
    schedule = find_schedule(session=session, team_id=team_id, kind=kind, subject=subject)
    if schedule is not None:
        session.delete(schedule)


def follow_recipient_tz(
    *, session: Session, team_id: str, user_id: str, tz: str, now: datetime
) -> int:
    """A user moved time zone: their own schedules now fire at their new local hour."""
    schedules = session.scalars(
        select(Schedule).where(
            Schedule.team_id == team_id,
            Schedule.recipient == user_id,
            Schedule.tz_follows_recipient.is_(True),
            Schedule.tz != tz,
        )
    ).all()
    holidays = holidays_of(session=session, team_id=team_id)
    for schedule in schedules:
        schedule.tz = tz
        schedule.next_run_at = next_occurrence(cadence_of(schedule, holidays), now)
    return len(schedules)


def plan_schedules(
    *,
    session: Session,
    kind: str,
    now: datetime,
    grace: timedelta,
    team_id: str | None = None,
    forced: bool = False,
    limit: int = PLAN_LIMIT,
) -> list[DueItem]:
    """Due items of a schedule-driven kind, advancing each schedule past `now`.

    - The latest occurrence at or before `now` is sent if it is within `grace`, else skipped.
    - Occurrences missed before it (the process was down) are recorded as skipped, never sent:
      a daily nudge missed for three days goes out once.
    - `forced` (an operator's `jobs run`) plans the period containing `now` for every active
      schedule of the kind, without moving schedules; the ledger stops a second send.
    - A workspace that uninstalled the app plans nothing; when it is back, its schedules catch
      up as after any downtime (the latest occurrence within `grace`, nothing older).
    - At most `limit` schedules, the earliest due first; those another planner holds are
      skipped (PostgreSQL: SKIP LOCKED), so two clocks plan disjoint batches side by side.
    """
    uninstalled = select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))
    query = select(Schedule).where(
        Schedule.kind == kind,
        Schedule.paused.is_(False),
        Schedule.team_id.not_in(uninstalled),
    )
    if team_id is not None:
        query = query.where(Schedule.team_id == team_id)
    if not forced:
        query = query.where(Schedule.next_run_at <= now)
    query = query.order_by(Schedule.next_run_at).limit(limit).with_for_update(skip_locked=True)
    holidays: dict[str, frozenset[date]] = {}
    items: list[DueItem] = []
    for schedule in session.scalars(query):
        if schedule.team_id not in holidays:
            holidays[schedule.team_id] = holidays_of(session=session, team_id=schedule.team_id)
        cadence = cadence_of(schedule, holidays[schedule.team_id])
        if forced:
            items.append(_due(schedule, period_of(cadence, now), now))
            continue
        items.extend(_catch_up(schedule, cadence, now=now, grace=grace))
        schedule.next_run_at = next_occurrence(cadence, now)
    return items


def _due(
    schedule: Schedule, period: str, due_at: datetime, skip_reason: str | None = None
) -> DueItem:
    return DueItem(
        team_id=schedule.team_id,
        recipient=schedule.recipient,
        period=period,
        subject=schedule.subject,
        due_at=due_at,
        skip_reason=skip_reason,
    )


def _catch_up(
    schedule: Schedule, cadence: Cadence, *, now: datetime, grace: timedelta
) -> list[DueItem]:
    latest = latest_occurrence(cadence, now)
    if latest is None:
        return []
    items: list[DueItem] = []
    missed = schedule.next_run_at
    while missed < latest and len(items) < MAX_MISSED_RECORDED:
        if period_of(cadence, missed) != period_of(cadence, latest):
            items.append(_due(schedule, period_of(cadence, missed), missed, "missed while down"))
        missed = next_occurrence(cadence, missed)
    late = now - latest
    reason = None if late <= grace else f"missed by {late}, beyond the {grace} grace window"
    items.append(_due(schedule, period_of(cadence, latest), latest, reason))
    return items


@dataclass(frozen=True)
class CadenceGroup:
    """Active schedules of one kind in one workspace that share a cadence, for `jobs list`."""

    team_id: str
    cadence: Cadence
    follows_recipient: bool
    schedules: int
    next_run: datetime


def cadence_groups(*, session: Session, kind: str) -> list[CadenceGroup]:
    """Active (unpaused) schedules of `kind`, grouped by workspace and cadence, earliest next
    run first within a workspace: what an operator reads to know when a kind sends."""
    rows = session.execute(
        select(
            Schedule.team_id,
            Schedule.frequency,
            Schedule.weekday,
            Schedule.hour,
            Schedule.minute,
            Schedule.tz,
            Schedule.tz_follows_recipient,
            func.count(),
            func.min(Schedule.next_run_at),
        )
        .where(Schedule.kind == kind, Schedule.paused.is_(False))
        .group_by(
            Schedule.team_id,
            Schedule.frequency,
            Schedule.weekday,
            Schedule.hour,
            Schedule.minute,
            Schedule.tz,
            Schedule.tz_follows_recipient,
        )
    )
    groups = [
        CadenceGroup(
            team_id=team,
            cadence=Cadence(Frequency(frequency), hour, minute, weekday, tz),
            follows_recipient=bool(follows),
            schedules=int(count),
            next_run=next_run,
        )
        for team, frequency, weekday, hour, minute, tz, follows, count, next_run in rows
    ]
    return sorted(groups, key=lambda group: (group.team_id, group.next_run))


# ---------------------------------------------------------------- the ledger


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
