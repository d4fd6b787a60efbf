"""The weekly flash report: what it shows (KPIs against target, risks, milestones ahead,
check-ins missed, paused and abandoned projects with their reasons), read in a few bulk
queries whatever the number of projects, and where and when it goes (its settings).

A rules module of the projects domain (see service.py for the map). No Slack here; every query
filters by the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.projects.kpi_values import KpiFacts, KpiReading, reading_of
from bot.projects.models import Checkin, CheckinStatus, Kpi, Milestone, Project, ProjectStatus
from bot.projects.reports import ONGOING
from bot.projects.service import FLASH_KIND, FLASH_SUBJECT
from bot.projects.validation import parse_time, valid_tz
from bot.scheduling import service as scheduling
from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.models import Schedule
from bot.workspaces.service import ensure_workspace

# The flash report lists milestones this far ahead, and missed check-ins this far back.
FLASH_MILESTONE_HORIZON = timedelta(days=14)
FLASH_LOOKBACK = timedelta(days=7)
# Abandoned projects stay in the flash report this long, with their reason.
ABANDONED_SHOWN_FOR = timedelta(days=28)


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
