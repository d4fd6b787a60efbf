"""Rules of KPI values: each value a KPI is given, by a check-in or pushed by a dashboard tool
(POST /webhooks/kpis), and where that leaves the KPI against its target.

A rules module of the projects domain (see service.py for the map). No Slack here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.projects.models import Direction, Kpi, KpiPush, KpiValue, Project
from bot.projects.validation import name_key

# ---------------------------------------------------------------- KPI arithmetic (pure)


@dataclass(frozen=True)
class KpiProgress:
    """Where a KPI stands: 0 at the baseline, 1 at the target (may be below 0 or above 1)."""

    fraction: float | None
    reached: bool


def target_reached(*, target: float, value: float, direction: str) -> bool:
    """Up is good: at or above the target. Down is good: at or below it."""
    return value >= target if direction == Direction.up else value <= target


def kpi_progress(
    *, baseline: float, target: float, current: float | None, direction: str
) -> KpiProgress:
    """Progress from baseline to target; no fraction without a current value."""
    if current is None or target == baseline:
        return KpiProgress(fraction=None, reached=False)
    fraction = (current - baseline) / (target - baseline)
    return KpiProgress(
        fraction=fraction, reached=target_reached(target=target, value=current, direction=direction)
    )


@dataclass(frozen=True)
class KpiChange:
    delta: float
    improved: bool | None  # None: unchanged


def change_since_last_checkin(
    *, previous: float | None, current: float | None, direction: str
) -> KpiChange | None:
    """The move since the value given at the last check-in; better or worse by the direction."""
    if previous is None or current is None:
        return None
    delta = current - previous
    if delta == 0:
        return KpiChange(delta=0.0, improved=None)
    return KpiChange(delta=delta, improved=(delta > 0) == (direction == Direction.up))


def value_before(
    *,
    current_at: datetime | None,
    checkin_at: datetime | None,
    checkin_value: float | None,
    previous_checkin_value: float | None,
) -> float | None:
    """What "since the last check-in" compares with: a value pushed after the latest check-in
    compares with that check-in's value; the latest check-in's own value with the one before."""
    if checkin_at is not None and current_at is not None and current_at > checkin_at:
        return checkin_value
    return previous_checkin_value


# ---------------------------------------------------------------- KPI values


@dataclass(frozen=True, slots=True)
class KpiFacts:
    """A KPI's figures as a plain row, for reads of thousands of KPIs (the flash report)."""

    project_id: int
    name: str
    unit: str
    baseline: float
    target: float
    target_date: date | None
    direction: str
    current_value: float | None
    current_at: datetime | None
    checkin_value: float | None
    checkin_at: datetime | None
    previous_checkin_value: float | None


@dataclass(frozen=True)
class KpiReading:
    kpi: Kpi | KpiFacts
    progress: KpiProgress
    change: KpiChange | None


def reading_of(kpi: Kpi | KpiFacts) -> KpiReading:
    """Where a KPI stands against its target, and its change since the last check-in."""
    previous = value_before(
        current_at=kpi.current_at,
        checkin_at=kpi.checkin_at,
        checkin_value=kpi.checkin_value,
        previous_checkin_value=kpi.previous_checkin_value,
    )
    return KpiReading(
        kpi=kpi,
        progress=kpi_progress(
            baseline=kpi.baseline,
            target=kpi.target,
            current=kpi.current_value,
            direction=kpi.direction,
        ),
        change=change_since_last_checkin(
            previous=previous, current=kpi.current_value, direction=kpi.direction
        ),
    )


def record_kpi_value(
    *, session: Session, kpi: Kpi, value: float, at: datetime, source: str, actor_id: str | None
) -> None:
    """Keep every value; the current value only moves forward in time (a late push of an old
    measure does not roll it back). The first value at or past the target is remembered."""
    session.add(
        KpiValue(
            team_id=kpi.team_id,
            kpi_id=kpi.id,
            value=value,
            recorded_at=at,
            source=source,
            recorded_by=actor_id,
        )
    )
    if kpi.current_at is None or at >= kpi.current_at:
        kpi.current_value = value
        kpi.current_at = at
    reached = target_reached(target=kpi.target, value=value, direction=kpi.direction)
    if reached and kpi.target_reached_at is None:
        kpi.target_reached_at = at


# ---------------------------------------------------------------- KPI values pushed by a tool


@dataclass(frozen=True)
class PushedValue:
    kpi: str
    value: float
    project_id: int | None = None
    project: str | None = None
    measured_at: datetime | None = None


@dataclass(frozen=True)
class PushAnswer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def record_kpi_push(
    *,
    session: Session,
    team_id: str,
    idempotency_key: str,
    body_sha256: str,
    values: list[PushedValue],
    now: datetime,
) -> PushAnswer:
    """Values a dashboard tool pushes, all or none. A replay of an Idempotency-Key gets the
    first answer and changes nothing; the same key with another body is refused (422).
    Unknown projects or KPIs are refused (400) field by field; nothing is stored then."""
    stored = session.scalar(
        select(KpiPush).where(
            KpiPush.team_id == team_id, KpiPush.idempotency_key == idempotency_key
        )
    )
    if stored is not None:
        if stored.body_sha256 != body_sha256:
            return PushAnswer(422, {"error": "Idempotency-Key already used with a different body"})
        return PushAnswer(200, stored.response, replayed=True)
    resolved, problems = _resolve_pushed(session, team_id, values)
    if problems:
        return PushAnswer(400, {"error": "invalid request body", "fields": problems})
    recorded = []
    for pushed, project, kpi in resolved:
        record_kpi_value(
            session=session,
            kpi=kpi,
            value=pushed.value,
            at=pushed.measured_at or now,
            source="webhook",
            actor_id=None,
        )
        progress = reading_of(kpi).progress
        recorded.append(
            {
                "project_id": project.id,
                "project": project.name,
                "kpi": kpi.name,
                "value": pushed.value,
                "progress_percent": None
                if progress.fraction is None
                else round(progress.fraction * 100, 1),
                "target_reached": progress.reached,
            }
        )
    body = {"recorded": len(recorded), "values": recorded}
    session.add(
        KpiPush(
            team_id=team_id,
            idempotency_key=idempotency_key,
            body_sha256=body_sha256,
            response=body,
            created_at=now,
        )
    )
    session.flush()
    return PushAnswer(200, body)


def _resolve_pushed(
    session: Session, team_id: str, values: list[PushedValue]
) -> tuple[list[tuple[PushedValue, Project, Kpi]], list[dict[str, str]]]:
    projects = {
        project.id: project
        for project in session.scalars(select(Project).where(Project.team_id == team_id))
    }
    by_name = {project.name_key: project for project in projects.values()}
    resolved, problems = [], []
    for index, pushed in enumerate(values):
        if pushed.project_id is not None:
            project = projects.get(pushed.project_id)
            where, named = f"values.{index}.project_id", str(pushed.project_id)
        else:
            project = by_name.get(name_key(pushed.project or ""))
            where, named = f"values.{index}.project", repr(pushed.project)
        if project is None:
            problems.append({"field": where, "problem": f"no project {named} in this workspace"})
            continue
        kpi = session.scalar(
            select(Kpi).where(Kpi.project_id == project.id, Kpi.name_key == name_key(pushed.kpi))
        )
        if kpi is None:
            problems.append(
                {
                    "field": f"values.{index}.kpi",
                    "problem": f"project {project.name!r} has no KPI named {pushed.kpi!r}",
                }
            )
            continue
        resolved.append((pushed, project, kpi))
    return resolved, problems
