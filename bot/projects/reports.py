"""The read side: what a project card, the Home tab, the digest, the gazette and the weekly flash
report show, and where and when the flash report goes. Selections are rules too ("milestones
in the next two weeks"), so each is stated.

A rules module of the projects domain (see service.py for the map). No Slack here; every query
filters by the workspace, and the flash report reads in a few bulk queries, never per project.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.projects.checkins import kpis_of, rollout_lines_of
from bot.projects.kpi_values import KpiFacts, KpiReading, reading_of
from bot.projects.models import (
    Checkin,
    CheckinStatus,
    Kpi,
    Milestone,
    Project,
    ProjectEvent,
    ProjectMember,
    ProjectStatus,
    RolloutLine,
)
from bot.projects.service import CHECKIN_KIND, FLASH_KIND, FLASH_SUBJECT, checkin_subject
from bot.projects.validation import name_key, parse_time, valid_tz
from bot.scheduling import service as scheduling
from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.models import Schedule
from bot.workspaces.service import ensure_workspace

ONGOING = (ProjectStatus.active, ProjectStatus.paused)
# The flash report lists milestones this far ahead, and missed check-ins this far back.
FLASH_MILESTONE_HORIZON = timedelta(days=14)
FLASH_LOOKBACK = timedelta(days=7)
# Abandoned projects stay in the flash report this long, with their reason.
ABANDONED_SHOWN_FOR = timedelta(days=28)
CARD_MILESTONES = 5
CARD_HISTORY = 5


@dataclass
class ProjectCard:
    project: Project
    readings: list[KpiReading]
    lines: list[RolloutLine]
    milestones: list[Milestone]  # open ones, soonest first
    members: list[str]
    cadence: Schedule | None
    pending_checkin: Checkin | None
    history: list[ProjectEvent]  # newest first


def project_card(*, session: Session, team_id: str, project_id: int) -> ProjectCard | None:
    """Everything one project card shows: KPIs against target, the roll-out table, the next
    open milestones, the members, the cadence, the pending check-in and the latest history."""
    project = session.scalar(
        select(Project).where(Project.team_id == team_id, Project.id == project_id)
    )
    if project is None:
        return None
    milestones = session.scalars(
        select(Milestone)
        .where(Milestone.project_id == project.id, Milestone.reached_at.is_(None))
        .order_by(Milestone.due_date)
        .limit(CARD_MILESTONES)
    ).all()
    pending = session.scalar(
        select(Checkin)
        .where(Checkin.project_id == project.id, Checkin.status == CheckinStatus.pending)
        .order_by(Checkin.due_at.desc())
        .limit(1)
    )
    history = session.scalars(
        select(ProjectEvent)
        .where(ProjectEvent.project_id == project.id)
        .order_by(ProjectEvent.at.desc(), ProjectEvent.id.desc())
        .limit(CARD_HISTORY)
    ).all()
    return ProjectCard(
        project=project,
        readings=[reading_of(kpi) for kpi in kpis_of(session=session, project_id=project.id)],
        lines=rollout_lines_of(session=session, project_id=project.id),
        milestones=list(milestones),
        members=members_of(session=session, project_id=project.id),
        cadence=scheduling.find_schedule(
            session=session, team_id=team_id, kind=CHECKIN_KIND, subject=checkin_subject(project.id)
        ),
        pending_checkin=pending,
        history=list(history),
    )


def members_of(*, session: Session, project_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ProjectMember.user_id)
            .where(ProjectMember.project_id == project_id)
            .order_by(ProjectMember.via_group, ProjectMember.user_id)
        )
    )


def find_project(*, session: Session, team_id: str, text: str) -> Project | None:
    """`/revops-project NAME`: the project of that name (any case), else the only one whose
    name contains the text."""
    key = name_key(text)
    exact = project_named(session=session, team_id=team_id, text=text)
    if exact is not None or not key:
        return exact
    candidates = session.scalars(
        select(Project)
        .where(Project.team_id == team_id, Project.name_key.contains(key, autoescape=True))
        .limit(2)
    ).all()
    return candidates[0] if len(candidates) == 1 else None


@dataclass(frozen=True)
class ProjectPage:
    projects: list[Project]
    active: int
    paused: int

    @property
    def total(self) -> int:
        return self.active + self.paused


def list_projects(*, session: Session, team_id: str, offset: int, limit: int) -> ProjectPage:
    """The workspace's ongoing projects (active, then paused), by name, one page at a time,
    with how many are active and paused."""
    where = (Project.team_id == team_id, Project.status.in_(ONGOING))
    counts: dict[str, int] = {
        status: count
        for status, count in session.execute(
            select(Project.status, func.count()).where(*where).group_by(Project.status)
        )
    }
    page = session.scalars(
        select(Project)
        .where(*where)
        .order_by(Project.status, Project.name_key)
        .offset(offset)
        .limit(limit)
    ).all()
    return ProjectPage(
        projects=list(page),
        active=counts.get(ProjectStatus.active, 0),
        paused=counts.get(ProjectStatus.paused, 0),
    )


def project_named(*, session: Session, team_id: str, text: str) -> Project | None:
    """The project of exactly that name (any case, any spacing)."""
    return session.scalar(
        select(Project).where(Project.team_id == team_id, Project.name_key == name_key(text))
    )


def my_projects(
    *, session: Session, team_id: str, user_id: str, limit: int
) -> tuple[list[Project], int]:
    """Ongoing projects the user owns or takes part in (named, or through the user group)."""
    membership = select(ProjectMember.project_id).where(
        ProjectMember.team_id == team_id, ProjectMember.user_id == user_id
    )
    where = (
        Project.team_id == team_id,
        Project.status.in_(ONGOING),
        or_(Project.owner_id == user_id, Project.id.in_(membership)),
    )
    total = session.scalar(select(func.count()).select_from(Project).where(*where)) or 0
    page = session.scalars(
        select(Project).where(*where).order_by(Project.status, Project.name_key).limit(limit)
    ).all()
    return list(page), total


# ---------------------------------------------------------------- the weekly digest


@dataclass(frozen=True)
class DigestEntry:
    project: Project
    pending_checkin: Checkin | None
    next_checkin_at: datetime | None
    next_milestone: Milestone | None


def digest_entries(
    *, session: Session, team_id: str, user_id: str, until: date, limit: int = 8
) -> list[DigestEntry]:
    """For a reader's active projects: the check-in waiting for an update, the next check-in
    due by `until`, and the next open milestone due by `until` plus a week. Projects with
    none of these are left out."""
    projects, _ = my_projects(session=session, team_id=team_id, user_id=user_id, limit=50)
    entries = []
    for project in projects:
        if project.status != ProjectStatus.active:
            continue
        pending = session.scalar(
            select(Checkin)
            .where(Checkin.project_id == project.id, Checkin.status == CheckinStatus.pending)
            .order_by(Checkin.due_at.desc())
            .limit(1)
        )
        schedule = scheduling.find_schedule(
            session=session, team_id=team_id, kind=CHECKIN_KIND, subject=checkin_subject(project.id)
        )
        next_checkin = schedule.next_run_at if schedule and not schedule.paused else None
        if next_checkin is not None and next_checkin.date() > until:
            next_checkin = None
        milestone = session.scalar(
            select(Milestone)
            .where(
                Milestone.project_id == project.id,
                Milestone.reached_at.is_(None),
                Milestone.due_date <= until + timedelta(days=7),
            )
            .order_by(Milestone.due_date)
            .limit(1)
        )
        if pending or next_checkin or milestone:
            entries.append(DigestEntry(project, pending, next_checkin, milestone))
        if len(entries) >= limit:
            break
    return entries


# ---------------------------------------------------------------- the weekly gazette


@dataclass
class ProjectMoves:
    project: Project
    milestones: list[Milestone] = field(default_factory=list)
    gone_live: list[RolloutLine] = field(default_factory=list)
    handed_off: list[RolloutLine] = field(default_factory=list)
    targets_reached: list[Kpi] = field(default_factory=list)


def gazette_moves(
    *, session: Session, team_id: str, start: datetime, end: datetime
) -> list[ProjectMoves]:
    """Projects that moved in [start, end): milestones reached, teams or countries gone live or
    handed off, KPIs that reached their target."""
    moves: dict[int, ProjectMoves] = {}
    projects = {
        project.id: project
        for project in session.scalars(select(Project).where(Project.team_id == team_id))
    }

    def entry(project_id: int) -> ProjectMoves:
        return moves.setdefault(project_id, ProjectMoves(projects[project_id]))

    for milestone in session.scalars(
        select(Milestone).where(
            Milestone.team_id == team_id, Milestone.reached_at >= start, Milestone.reached_at < end
        )
    ):
        entry(milestone.project_id).milestones.append(milestone)
    for line in session.scalars(
        select(RolloutLine)
        .where(
            RolloutLine.team_id == team_id,
            or_(
                (RolloutLine.live_at >= start) & (RolloutLine.live_at < end),
                (RolloutLine.handed_off_at >= start) & (RolloutLine.handed_off_at < end),
            ),
        )
        .order_by(RolloutLine.position)
    ):
        if line.live_at and start <= line.live_at < end:
            entry(line.project_id).gone_live.append(line)
        if line.handed_off_at and start <= line.handed_off_at < end:
            entry(line.project_id).handed_off.append(line)
    for kpi in session.scalars(
        select(Kpi).where(
            Kpi.team_id == team_id, Kpi.target_reached_at >= start, Kpi.target_reached_at < end
        )
    ):
        entry(kpi.project_id).targets_reached.append(kpi)
    return sorted(moves.values(), key=lambda move: move.project.name_key)


# ---------------------------------------------------------------- the weekly flash report


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """What the flash report shows of a project. The report reads thousands of rows: plain
    rows into small frozen objects cost a fraction of ORM objects (identity map, states)."""

    id: int
    name: str
    name_key: str
    owner_id: str
    tz: str
    phase: str
    status: str
    status_reason: str | None
    status_note: str | None
    status_changed_at: datetime | None
    health: str | None
    progress_pct: int | None
    blockers: str | None


@dataclass(frozen=True, slots=True)
class MilestoneFacts:
    project_id: int
    name: str
    due_date: date
    is_decision: bool


@dataclass(frozen=True, slots=True)
class MissedCheckin:
    project_id: int
    due_at: datetime


@dataclass
class FlashEntry:
    project: ProjectFacts
    readings: list[KpiReading] = field(default_factory=list)
    milestones: list[MilestoneFacts] = field(default_factory=list)
    missed: list[MissedCheckin] = field(default_factory=list)


@dataclass
class FlashReport:
    active: list[FlashEntry]
    paused: list[ProjectFacts]
    abandoned: list[ProjectFacts]

    @property
    def is_empty(self) -> bool:
        return not (self.active or self.paused or self.abandoned)


def _columns(model: Any, facts: Any) -> list[Any]:
    """The model's columns a facts class names, in its field order."""
    return [getattr(model, column.name) for column in fields(facts)]


def flash_report(*, session: Session, team_id: str, now: datetime) -> FlashReport:
    """Each active project with its status, KPIs against target, blockers, milestones in the
    next two weeks and check-ins missed in the past week; then paused projects and projects
    abandoned in the last four weeks, with their reasons. Off-track projects come first.

    Five bulk reads of plain rows, whatever the number of projects."""
    projects = [
        ProjectFacts(*row)
        for row in session.execute(
            select(*_columns(Project, ProjectFacts))
            .where(
                Project.team_id == team_id,
                or_(
                    Project.status.in_(ONGOING),
                    (Project.status == ProjectStatus.abandoned)
                    & (Project.status_changed_at >= now - ABANDONED_SHOWN_FOR),
                ),
            )
            .order_by(Project.name_key)
        )
    ]
    entries = {
        project.id: FlashEntry(project)
        for project in projects
        if project.status == ProjectStatus.active
    }
    for row in session.execute(
        select(*_columns(Kpi, KpiFacts))
        .join(Project, _active_project(team_id, Kpi.project_id))
        .order_by(Kpi.project_id, Kpi.position)
    ):
        kpi = KpiFacts(*row)
        entries[kpi.project_id].readings.append(reading_of(kpi))
    today = now.date()
    for row in session.execute(
        select(*_columns(Milestone, MilestoneFacts))
        .join(Project, _active_project(team_id, Milestone.project_id))
        .where(
            Milestone.reached_at.is_(None),
            Milestone.due_date >= today,
            Milestone.due_date <= today + FLASH_MILESTONE_HORIZON,
        )
        .order_by(Milestone.due_date, Milestone.id)
    ):
        milestone = MilestoneFacts(*row)
        entries[milestone.project_id].milestones.append(milestone)
    for row in session.execute(
        select(*_columns(Checkin, MissedCheckin))
        .where(
            Checkin.team_id == team_id,
            # Still missed: one answered late (from its old card) is not reported as missed.
            Checkin.status == CheckinStatus.missed,
            Checkin.missed_at >= now - FLASH_LOOKBACK,
        )
        .order_by(Checkin.due_at)
    ):
        missed = MissedCheckin(*row)
        if missed.project_id in entries:
            entries[missed.project_id].missed.append(missed)
    severity = {"off_track": 0, "at_risk": 1, None: 2, "on_track": 3}
    return FlashReport(
        active=sorted(
            entries.values(),
            key=lambda e: (severity.get(e.project.health, 2), -len(e.missed), e.project.name_key),
        ),
        paused=[p for p in projects if p.status == ProjectStatus.paused],
        abandoned=[p for p in projects if p.status == ProjectStatus.abandoned],
    )


def _active_project(team_id: str, project_id: Any) -> Any:
    return (
        (Project.id == project_id)
        & (Project.team_id == team_id)
        & (Project.status == ProjectStatus.active)
    )


def flash_report_schedule(*, session: Session, team_id: str) -> Schedule | None:
    return scheduling.find_schedule(
        session=session, team_id=team_id, kind=FLASH_KIND, subject=FLASH_SUBJECT
    )


# ---------------------------------------------------------------- flash report settings


def save_flash_report(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    weekday: int,
    at: str,
    tz: str,
    now: datetime,
) -> None:
    """The weekly flash report: one workspace schedule (channel, weekday, local time)."""
    parsed = parse_time(at)
    assert parsed is not None and valid_tz(tz), "validated before"
    ensure_workspace(session=session, team_id=team_id)
    scheduling.save_schedule(
        session=session,
        team_id=team_id,
        kind=FLASH_KIND,
        subject=FLASH_SUBJECT,
        recipient=channel_id,
        cadence=Cadence(Frequency.weekly, hour=parsed[0], minute=parsed[1], weekday=weekday, tz=tz),
        now=now,
    )


def stop_flash_report(*, session: Session, team_id: str) -> None:
    scheduling.delete_schedule(
        session=session, team_id=team_id, kind=FLASH_KIND, subject=FLASH_SUBJECT
    )
