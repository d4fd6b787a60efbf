"""Cadence arithmetic on wall-clock time in a time zone, with zoneinfo.

A cadence says *local* times ("Monday 09:00 in Europe/Paris"). Occurrences are found by walking
local calendar dates and placing the wall time on each date, then converting to UTC: a DST change
moves the UTC instant, never skips or doubles a date. A wall time that does not exist on a
spring-forward day (02:30 in Paris) resolves with fold=0 to the instant just after the gap; an
ambiguous one on a fall-back day resolves to its first occurrence. Either way: one per date.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# Weekends are Saturday and Sunday; a workspace adds its own holidays.
WEEKEND = frozenset({5, 6})
# No cadence here is sparser than monthly; this bounds every search.
SEARCH_DAYS = 400


class Frequency(StrEnum):
    daily = "daily"  # every working day
    weekly = "weekly"  # one weekday
    monthly_first_working_day = "monthly-first-working-day"


@dataclass(frozen=True)
class Cadence:
    frequency: Frequency
    hour: int
    minute: int = 0
    weekday: int | None = None  # 0 = Monday; weekly only
    tz: str = "UTC"
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError(f"invalid time of day {self.hour}:{self.minute}")
        if self.frequency is Frequency.weekly and self.weekday not in range(7):
            raise ValueError("a weekly cadence needs a weekday between 0 (Monday) and 6")
        ZoneInfo(self.tz)  # raises on an unknown zone


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The date `days` working days after `start` (0 → start itself if it is a working day)."""
    current = start
    while not is_working_day(current, holidays):
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            count += 1
    return count


def first_working_day_of_month(year: int, month: int, holidays: Collection[date] = ()) -> date:
    return add_working_days(date(year, month, 1), 0, holidays)


def _matches(cadence: Cadence, day: date) -> bool:
    if cadence.frequency is Frequency.daily:
        return is_working_day(day, cadence.holidays)
    if cadence.frequency is Frequency.weekly:
        return day.weekday() == cadence.weekday
    return day == first_working_day_of_month(day.year, day.month, cadence.holidays)


def occurrence_on(cadence: Cadence, day: date) -> datetime:
    """The UTC instant of the cadence's wall time on a local date."""
    local = datetime.combine(day, time(cadence.hour, cadence.minute), ZoneInfo(cadence.tz))
    return local.astimezone(UTC)


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def local_days_window(*, start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """Local dates [start, end] (inclusive) as the UTC [from, to) window they span in `tz`:
    what "this week" means to a reader there (a DST change makes it 167 or 169 hours)."""
    zone = ZoneInfo(tz)
    begin = datetime.combine(start, time(0), zone).astimezone(UTC)
    finish = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return begin, finish


def next_occurrence(cadence: Cadence, after: datetime) -> datetime:
    """The first occurrence strictly after `after`."""
    day = local_date(after, cadence.tz) - timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        if _matches(cadence, day):
            candidate = occurrence_on(cadence, day)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise ValueError(f"no occurrence of {cadence} within {SEARCH_DAYS} days")


def latest_occurrence(cadence: Cadence, at_or_before: datetime) -> datetime | None:
    """The last occurrence at or before `at_or_before`, if any within the search window."""
    day = local_date(at_or_before, cadence.tz) + timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        if _matches(cadence, day):
            candidate = occurrence_on(cadence, day)
            if candidate <= at_or_before:
                return candidate
        day -= timedelta(days=1)
    return None


def period_key(frequency: Frequency, day: date) -> str:
    """The ledger period of an occurrence on a local date: one send per period and recipient."""
    if frequency is Frequency.weekly:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency is Frequency.monthly_first_working_day:
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def period_of(cadence: Cadence, instant: datetime) -> str:
    return period_key(cadence.frequency, local_date(instant, cadence.tz))
