"""What a chart shows, as plain data: the domains fill these, `draw` draws them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Chart:
    """A drawn chart: PNG bytes, the alt text Slack shows to screen readers, a file name."""

    png: bytes
    alt_text: str
    filename: str
    title: str


@dataclass(frozen=True)
class KpiSeries:
    name: str
    unit: str
    baseline: float
    target: float
    points: list[tuple[datetime, float]] = field(default_factory=list)

    def progress(self, value: float) -> float:
        """Where a value stands from baseline (0) to target (1), whichever way is better."""
        span = self.target - self.baseline
        return 0.0 if span == 0 else (value - self.baseline) / span


@dataclass(frozen=True)
class ProjectSeries:
    name: str
    kpis: list[KpiSeries] = field(default_factory=list)
    milestones: list[tuple[date, str]] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(kpi.points for kpi in self.kpis)

    @property
    def latest_progress(self) -> float | None:
        """The mean of its KPIs' latest progress, None without a value."""
        latest = [kpi.progress(kpi.points[-1][1]) for kpi in self.kpis if kpi.points]
        return sum(latest) / len(latest) if latest else None


@dataclass(frozen=True)
class RunWeek:
    week_start: date
    hours_spent: float
    capacity_hours: float
    received: int
    closed: int
    answered_with_doc: int
    within_sla: float | None  # share of first responses in the week given within the SLA

    @property
    def is_empty(self) -> bool:
        return not (self.hours_spent or self.received or self.closed or self.answered_with_doc)


@dataclass(frozen=True)
class WinWeek:
    week_start: date
    wins: int
