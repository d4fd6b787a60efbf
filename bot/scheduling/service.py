"""The rules of scheduled sends: when a schedule is due, and the items a plan finds due.

Those items enter the delivery ledger (bot/scheduling/ledger.py), which sends each of them once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore
from bot.scheduling.cadence import (
    Cadence,
    Frequency,
    latest_occurrence,
    next_occurrence,
    period_of,
)
from bot.scheduling.models import Schedule
from bot.scheduling.public_holidays import public_holidays
from bot.workspaces.models import Workspace

# Missed occurrences older than the latest are recorded as skipped, up to this many per tick.
MAX_MISSED_RECORDED = 12
# Schedules planned per tick and kind, at most; planned (locked, advanced, entered in the
# ledger, committed) this many at a time, so that two clocks share a slot's work at once.
PLAN_LIMIT = 5000
PLAN_BATCH = 50


@dataclass(frozen=True)
class DueItem:
    """One send the plan found due: it becomes a ledger row unless its key is already there."""

    team_id: str
    recipient: str
    period: str
    subject: str
    due_at: datetime
    skip_reason: str | None = None


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
