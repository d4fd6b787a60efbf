"""Prioritise and promise: the queue order and the ETA arithmetic, on the priority score.

Pure functions: no Slack, no database. The score itself (formula and the quick-win bound) is
service.py's rule, re-exported here for the ranking below.

The ETA
-------
The team spends `run_capacity_hours` a week on the run (the rest is for projects), i.e. a fifth
of it per working day. Requests in progress come first, then accepted ones in priority order;
a request is delivered on the working day by which the capacity, counted from the next working
day, covers its estimate plus the estimates of everything ahead of it. Weekends and the
workspace's holidays are skipped.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from bot.intake.models import Status
from bot.intake.service import AGE_POINTS_PER_WORKING_DAY as AGE_POINTS_PER_WORKING_DAY
from bot.intake.service import BENEFIT_FACTOR as BENEFIT_FACTOR
from bot.intake.service import IMPACT_WEIGHT as IMPACT_WEIGHT
from bot.intake.service import MAX_FRESH_SCORE as MAX_FRESH_SCORE
from bot.intake.service import MIN_BASE_SCORE as MIN_BASE_SCORE
from bot.intake.service import QUICK_WIN_TOP_DAYS as QUICK_WIN_TOP_DAYS
from bot.intake.service import ROLLOUT_BOOST as ROLLOUT_BOOST
from bot.intake.service import WATCHER_STEP as WATCHER_STEP
from bot.intake.service import base_score as base_score
from bot.intake.service import benefit_factor as benefit_factor
from bot.intake.service import priority_score as priority_score

WORKING_DAYS_PER_WEEK = 5


# ---------------------------------------------------------------- working days, in O(holidays)


def weekday_index(day: date) -> int:
    """Monday-to-Friday days from 0001-01-01 (a Monday) up to `day` inclusive.

    Stored with each request (`filed_weekday_index`): the queue is ordered in SQL with it.
    """
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * WORKING_DAYS_PER_WEEK + min(rest, WORKING_DAYS_PER_WEEK)


def _weekday_number(index: int) -> date:
    """The weekday whose `_weekdays_through` is `index`."""
    weeks, rest = divmod(index - 1, WORKING_DAYS_PER_WEEK)
    return date.fromordinal(weeks * 7 + rest + 1)


@dataclass(frozen=True)
class Calendar:
    """Weekends and a workspace's holidays; counts working days without walking the dates."""

    holidays: tuple[date, ...] = ()

    @classmethod
    def of(cls, holidays: Iterable[date]) -> Calendar:
        return cls(tuple(sorted({day for day in holidays if day.weekday() < 5})))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def _holidays_between(self, start: date, end: date) -> int:
        """Holidays (on weekdays) after `start` up to and including `end`."""
        return bisect_right(self.holidays, end) - bisect_right(self.holidays, start)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start).

        Same answer as bot.scheduling.cadence.working_days_between, in constant time per call.
        """
        if end <= start:
            return 0
        weekdays = weekday_index(end) - weekday_index(start)
        return weekdays - self._holidays_between(start, end)

    def working_day_after(self, start: date, days: int) -> date:
        """The `days`-th working day strictly after `start` (days >= 1)."""
        days = max(days, 1)
        base = weekday_index(start)
        extra = 0
        while True:
            candidate = _weekday_number(base + days + extra)
            skipped = self._holidays_between(start, candidate)
            if skipped == extra:
                return candidate
            extra = skipped


# ---------------------------------------------------------------- the queue


class QueueEntry(NamedTuple):
    """What ranking needs of an open request (a tuple: the queue holds thousands)."""

    request_id: int
    number: int
    impact: str
    beneficiary: str
    filed_on: date
    rollout: bool
    status: str
    estimate_hours: float | None = None
    watchers: int = 0


class Ranked(NamedTuple):
    entry: QueueEntry
    score: float
    age_working_days: int


def rank(entries: Iterable[QueueEntry], *, today: date, calendar: Calendar) -> list[Ranked]:
    """The queue in priority order: highest score first, ties to the older (in working days),
    then the lower reference. queue.py orders the same way in SQL (a test holds them equal).

    Scores are priority_score's; ages and base scores are computed once per distinct filing
    day and class, which keeps 10,000 open requests well under the Home tab's time budget.
    """
    ages: dict[date, int] = {}
    bases: dict[tuple[str, str, bool, int], float] = {}
    ranked = []
    for entry in entries:
        age = ages.get(entry.filed_on)
        if age is None:
            age = ages[entry.filed_on] = calendar.working_days_between(entry.filed_on, today)
        key = (entry.impact, entry.beneficiary, entry.rollout, entry.watchers)
        base = bases.get(key)
        if base is None:
            base = bases[key] = priority_score(
                impact=entry.impact,
                beneficiary=entry.beneficiary,
                age_working_days=0,
                rollout=entry.rollout,
                watchers=entry.watchers,
            )
        ranked.append(Ranked(entry, round(base + AGE_POINTS_PER_WORKING_DAY * age, 2), age))
    ranked.sort(key=lambda r: (-r.score, -r.age_working_days, r.entry.number))
    return ranked


SCHEDULED_STATUSES = (Status.in_progress, Status.accepted)


def delivery_order(ranked: Sequence[Ranked]) -> list[Ranked]:
    """Work that holds capacity, in the order it gets done: in progress first, then accepted."""
    return [r for status in SCHEDULED_STATUSES for r in ranked if r.entry.status == status]


def etas(
    ranked: Sequence[Ranked], *, today: date, weekly_capacity_hours: float, calendar: Calendar
) -> dict[int, date]:
    """{request id: delivery date} for every request in progress or accepted.

    Empty when the team declared no run capacity: no promise can be made.
    """
    return eta_dates(
        [(item.entry.request_id, item.entry.estimate_hours) for item in delivery_order(ranked)],
        today=today,
        weekly_capacity_hours=weekly_capacity_hours,
        calendar=calendar,
    )


def eta_dates(
    estimates: Iterable[tuple[int, float | None]],
    *,
    today: date,
    weekly_capacity_hours: float,
    calendar: Calendar,
) -> dict[int, date]:
    """The ETA arithmetic on (request id, estimate) pairs already in delivery order."""
    if weekly_capacity_hours <= 0:
        return {}
    result: dict[int, date] = {}
    dates: dict[int, date] = {}
    cumulative = 0.0
    for request_id, estimate in estimates:
        cumulative += estimate or 0.0
        days = days_of_work(cumulative, weekly_capacity_hours=weekly_capacity_hours)
        eta = dates.get(days)
        if eta is None:
            eta = dates[days] = calendar.working_day_after(today, days)
        result[request_id] = eta
    return result


def days_of_work(cumulative_hours: float, *, weekly_capacity_hours: float) -> int:
    """Working days the run needs for `cumulative_hours`, counted from the next working day."""
    daily = weekly_capacity_hours / WORKING_DAYS_PER_WEEK
    # A small epsilon keeps 8.0 / 4.0 from becoming 2.0000000001 → 3 days.
    return max(1, math.ceil(cumulative_hours / daily - 1e-9))


def ahead_of(ranked: Sequence[Ranked], request_id: int) -> list[QueueEntry]:
    """The requests delivered before this one (same order as `etas`)."""
    ahead: list[QueueEntry] = []
    for item in delivery_order(ranked):
        if item.entry.request_id == request_id:
            return ahead
        ahead.append(item.entry)
    return []
