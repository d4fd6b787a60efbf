"""The read side: what a project card, the Home tab, the digest and the gazette show (the
weekly flash report: flash.py). Selections are rules too ("milestones in the next two weeks"),
so each is stated.

A rules module of the projects domain (see service.py for the map). No Slack here; every query
filters by the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.projects.checkins import kpis_of
from bot.projects.kpi_values import KpiReading, reading_of
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
from bot.projects.rollout import rollout_lines_of
from bot.projects.service import CHECKIN_KIND, checkin_subject
from bot.projects.validation import name_key
from bot.scheduling import service as scheduling
from bot.scheduling.models import Schedule

ONGOING = (ProjectStatus.active, ProjectStatus.paused)
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
