"""Rules of follow-ups: when the one reminder of a check-in is due, when a check-in is missed,
and when milestone reminders are due (N days before, and on the day).

A check-in is open until its update, or until it is missed, whichever comes first. It is
missed two working days after its reminder, or when the project's next check-in comes if that
is sooner: a project has one open check-in at a time. Its one reminder goes to the owner by DM
on the next working day, only if that comes before the next check-in: with a daily cadence the
next card (which mentions the owner) asks instead, so nothing depends on which job runs first.
Closing a check-in as missed is always written in the project's history.

A rules module of the projects domain (see service.py for the map). No Slack here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.projects.models import Checkin, CheckinStatus, Milestone, Project, ProjectStatus
from bot.projects.service import record_event
from bot.scheduling.cadence import add_working_days

# No update by the next working day: one reminder. Two working days later: missed.
REMINDER_AFTER_WORKING_DAYS = 1
MISSED_AFTER_REMINDER_WORKING_DAYS = 2
# Milestone reminders go out at this local hour of the project owner.
MILESTONE_REMINDER_HOUR = 9


def _at_local(day: date, wall: time, tz: str) -> datetime:
    return datetime.combine(day, wall, ZoneInfo(tz)).astimezone(UTC)


def reminder_due_at(*, due_at: datetime, tz: str, holidays: frozenset[date]) -> datetime:
    """The one reminder goes out on the next working day after the check-in, at its local time."""
    local = due_at.astimezone(ZoneInfo(tz))
    day = add_working_days(
        local.date() + timedelta(days=1), REMINDER_AFTER_WORKING_DAYS - 1, holidays
    )
    return _at_local(day, local.time().replace(tzinfo=None), tz)


def missed_due_at(*, due_at: datetime, tz: str, holidays: frozenset[date]) -> datetime:
    """Still no update two working days after the reminder: the check-in is missed."""
    reminder = reminder_due_at(due_at=due_at, tz=tz, holidays=holidays).astimezone(ZoneInfo(tz))
    day = add_working_days(reminder.date(), MISSED_AFTER_REMINDER_WORKING_DAYS, holidays)
    return _at_local(day, reminder.time().replace(tzinfo=None), tz)


@dataclass(frozen=True)
class Deadlines:
    remind_at: datetime | None  # None: no DM, the next check-in comes first
    miss_at: datetime


def checkin_deadlines(
    *, due_at: datetime, next_due_at: datetime | None, tz: str, holidays: frozenset[date]
) -> Deadlines:
    """When a check-in's reminder goes and when it is missed, fixed when it opens: the reminder
    the next working day unless the next check-in comes at or before it; missed two working
    days after the reminder, or when the next check-in comes if that is sooner."""
    remind_at = reminder_due_at(due_at=due_at, tz=tz, holidays=holidays)
    miss_at = missed_due_at(due_at=due_at, tz=tz, holidays=holidays)
    if next_due_at is None:
        return Deadlines(remind_at=remind_at, miss_at=miss_at)
    return Deadlines(
        remind_at=remind_at if remind_at < next_due_at else None,
        miss_at=min(miss_at, next_due_at),
    )


def close_as_missed(
    *, session: Session, project: Project, checkins: list[Checkin], now: datetime
) -> None:
    """Check-ins that got no update are closed as missed, each written in the history (the
    flash report lists them)."""
    for checkin in checkins:
        checkin.status = CheckinStatus.missed
        checkin.missed_at = now
        record_event(
            session=session,
            project=project,
            actor_id=None,
            kind="checkin_missed",
            now=now,
            details={"checkin": checkin.id},
        )


@dataclass(frozen=True)
class Reminder:
    checkin: Checkin
    project: Project
    due_at: datetime
    now: datetime

    @property
    def period(self) -> str:
        """The ledger period: one reminder per project and local day of the project, whichever
        check-in it is about."""
        return (
            f"p{self.project.id}:"
            + self.now.astimezone(ZoneInfo(self.project.tz)).date().isoformat()
        )


def follow_up_checkins(
    *, session: Session, now: datetime, team_id: str | None = None
) -> list[Reminder]:
    """Mark missed the pending check-ins two working days past their reminder, and return
    those whose reminder is due and not sent yet. Paused projects are left alone (their open
    check-ins were cancelled). Both times were fixed when the check-in opened."""
    query = (
        select(Checkin, Project)
        .join(Project, Project.id == Checkin.project_id)
        .where(
            Checkin.status == CheckinStatus.pending,
            Project.status == ProjectStatus.active,
            or_(
                Checkin.miss_at <= now,
                and_(Checkin.reminded_at.is_(None), Checkin.remind_at <= now),
            ),
        )
    )
    if team_id is not None:
        query = query.where(Checkin.team_id == team_id)
    reminders = []
    for checkin, project in session.execute(query):
        if checkin.miss_at is not None and now >= checkin.miss_at:
            close_as_missed(session=session, project=project, checkins=[checkin], now=now)
        elif checkin.remind_at is not None:
            reminders.append(
                Reminder(checkin=checkin, project=project, due_at=checkin.remind_at, now=now)
            )
    return reminders


def pending_reminder(
    *, session: Session, team_id: str, checkin_id: int
) -> tuple[Project, Checkin] | None:
    """The check-in a reminder is about, if it still waits for an update on an active project."""
    row = session.execute(
        select(Checkin, Project)
        .join(Project, Project.id == Checkin.project_id)
        .where(Checkin.team_id == team_id, Checkin.id == checkin_id)
    ).first()
    if row is None:
        return None
    checkin, project = row
    if checkin.status != CheckinStatus.pending or project.status != ProjectStatus.active:
        return None
    return project, checkin


def record_reminded(*, session: Session, checkin_id: int, now: datetime) -> None:
    session.execute(update(Checkin).where(Checkin.id == checkin_id).values(reminded_at=now))


@dataclass(frozen=True)
class MilestoneReminder:
    milestone: Milestone
    project: Project
    on_the_day: bool
    due_at: datetime

    @property
    def period(self) -> str:
        return f"milestone:{self.milestone.id}:{'day' if self.on_the_day else 'before'}"


def milestone_reminders_due(
    *, session: Session, now: datetime, team_id: str | None = None
) -> list[MilestoneReminder]:
    """Open milestones of active projects: a reminder from N days before (default 3) at 09:00
    in the owner's time zone (still sent later up to the eve, if the bot was down), and one on
    the day from 09:00. A reminder day on or after the milestone only gets the day's one."""
    today = now.date()  # UTC; each project's own date is checked below (zones are ±1 day)
    before_due = and_(
        Milestone.before_reminded_at.is_(None),
        Milestone.remind_days_before > 0,
        Milestone.remind_on <= today + timedelta(days=1),
        Milestone.due_date >= today,
    )
    day_due = and_(
        Milestone.day_reminded_at.is_(None),
        Milestone.due_date >= today - timedelta(days=1),
        Milestone.due_date <= today + timedelta(days=1),
    )
    query = (
        select(Milestone, Project)
        .join(Project, Project.id == Milestone.project_id)
        .where(
            Milestone.reached_at.is_(None),
            Project.status == ProjectStatus.active,
            or_(before_due, day_due),
        )
    )
    if team_id is not None:
        query = query.where(Milestone.team_id == team_id)
    due = []
    nine = time(MILESTONE_REMINDER_HOUR)
    for milestone, project in session.execute(query):
        local_today = now.astimezone(ZoneInfo(project.tz)).date()
        if milestone.due_date == local_today:
            at = _at_local(milestone.due_date, nine, project.tz)
            if now >= at and milestone.day_reminded_at is None:
                due.append(MilestoneReminder(milestone, project, on_the_day=True, due_at=at))
            continue
        if milestone.before_reminded_at is not None or not (
            milestone.remind_on <= local_today < milestone.due_date
        ):
            continue
        at = _at_local(milestone.remind_on, nine, project.tz)
        if now >= at and milestone.remind_days_before > 0:
            due.append(MilestoneReminder(milestone, project, on_the_day=False, due_at=at))
    return due


def record_milestone_reminded(
    *, session: Session, milestone_id: int, on_the_day: bool, now: datetime
) -> None:
    column = "day_reminded_at" if on_the_day else "before_reminded_at"
    session.execute(update(Milestone).where(Milestone.id == milestone_id).values({column: now}))


def open_milestone(
    *, session: Session, team_id: str, milestone_id: int
) -> tuple[Project, Milestone] | None:
    row = session.execute(
        select(Milestone, Project)
        .join(Project, Project.id == Milestone.project_id)
        .where(Milestone.team_id == team_id, Milestone.id == milestone_id)
    ).first()
    if row is None:
        return None
    milestone, project = row
    if milestone.reached_at is not None or project.status != ProjectStatus.active:
        return None
    return project, milestone
