"""What the flash report's chart shows: each active project's KPI values over the last weeks,
against baseline and target, with its milestones. Three bulk reads, whatever the number of
projects."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.charts.series import KpiSeries, ProjectSeries
from bot.projects.models import Kpi, KpiValue, Milestone, Project, ProjectStatus

CHART_WEEKS = 12
MILESTONES_AHEAD = timedelta(days=14)


def flash_chart_series(*, session: Session, team_id: str, now: datetime) -> list[ProjectSeries]:
    """Active projects by name, each with its KPIs' values of the last CHART_WEEKS weeks (in
    the order the project lists its KPIs) and its milestones from then to two weeks ahead."""
    since = now - timedelta(weeks=CHART_WEEKS)
    active = (Project.team_id == team_id) & (Project.status == ProjectStatus.active)
    names: dict[int, str] = {
        project_id: name
        for project_id, name in session.execute(
            select(Project.id, Project.name).where(active).order_by(Project.name_key)
        )
    }
    kpis: dict[int, KpiSeries] = {}
    by_project: dict[int, list[KpiSeries]] = {project_id: [] for project_id in names}
    for kpi_id, project_id, name, unit, baseline, target in session.execute(
        select(Kpi.id, Kpi.project_id, Kpi.name, Kpi.unit, Kpi.baseline, Kpi.target)
        .join(Project, Project.id == Kpi.project_id)
        .where(active)
        .order_by(Kpi.project_id, Kpi.position, Kpi.id)
    ):
        kpis[kpi_id] = KpiSeries(name=name, unit=unit, baseline=baseline, target=target)
        by_project[project_id].append(kpis[kpi_id])
    for kpi_id, recorded_at, value in session.execute(
        select(KpiValue.kpi_id, KpiValue.recorded_at, KpiValue.value)
        .join(Kpi, Kpi.id == KpiValue.kpi_id)
        .join(Project, Project.id == Kpi.project_id)
        .where(active, KpiValue.recorded_at >= since)
        .order_by(KpiValue.kpi_id, KpiValue.recorded_at, KpiValue.id)
    ):
        kpis[kpi_id].points.append((recorded_at, value))
    milestones: dict[int, list[tuple[date, str]]] = {project_id: [] for project_id in names}
    for project_id, due_date, name in session.execute(
        select(Milestone.project_id, Milestone.due_date, Milestone.name)
        .join(Project, Project.id == Milestone.project_id)
        .where(
            active,
            Milestone.due_date >= since.date(),
            Milestone.due_date <= (now + MILESTONES_AHEAD).date(),
        )
        .order_by(Milestone.due_date)
    ):
        milestones[project_id].append((due_date, name))
    return [
        ProjectSeries(
            name=name,
            kpis=by_project[project_id],
            milestones=milestones[project_id],
        )
        for project_id, name in names.items()
    ]
