"""Cadence arithmetic: local wall times across DST changes, working days, period keys."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.cadence import (
    Cadence,
    Frequency,
    add_working_days,
    latest_occurrence,
    next_occurrence,
    period_of,
    working_days_between,
)

PARIS = "Europe/Paris"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def occurrences(cadence: Cadence, start: datetime, count: int) -> list[datetime]:
    found, after = [], start
    for _ in range(count):
        after = next_occurrence(cadence, after)
        found.append(after)
    return found


def test_weekly_monday_nine_in_paris_keeps_local_hour_across_spring_forward() -> None:
    # 2026-03-29 is the last Sunday of March: Paris moves from UTC+1 to UTC+2.
    monday_nine = Cadence(Frequency.weekly, hour=9, weekday=0, tz=PARIS)
    found = occurrences(monday_nine, utc(2026, 3, 20), 3)
    assert found == [utc(2026, 3, 23, 8), utc(2026, 3, 30, 7), utc(2026, 4, 6, 7)]


def test_weekly_send_at_the_gap_hour_on_spring_forward_day_happens_once() -> None:
    # 02:30 does not exist in Paris on 2026-03-29; the send still happens, exactly once.
    sunday_half_two = Cadence(Frequency.weekly, hour=2, minute=30, weekday=6, tz=PARIS)
    found = occurrences(sunday_half_two, utc(2026, 3, 27), 2)
    assert [period_of(sunday_half_two, instant) for instant in found] == ["2026-W13", "2026-W14"]
    assert found[0] == utc(2026, 3, 29, 1, 30)  # 03:30 CEST, just after the gap
    assert found[1] == utc(2026, 4, 5, 0, 30)  # 02:30 CEST the week after


def test_ambiguous_hour_on_fall_back_day_is_sent_once() -> None:
    # 2026-10-25, last Sunday of October: 02:30 happens twice in Paris. One send, the first.
    sunday_half_two = Cadence(Frequency.weekly, hour=2, minute=30, weekday=6, tz=PARIS)
    found = occurrences(sunday_half_two, utc(2026, 10, 23), 2)
    assert found[0] == utc(2026, 10, 25, 0, 30)  # 02:30 CEST (UTC+2), the first 02:30
    assert found[1] == utc(2026, 11, 1, 1, 30)  # 02:30 CET (UTC+1)


def test_daily_nine_across_fall_back_neither_skips_nor_doubles() -> None:
    daily_nine = Cadence(Frequency.daily, hour=9, tz=PARIS)
    found = occurrences(daily_nine, utc(2026, 10, 22), 4)
    local_days = [instant.astimezone(ZoneInfo(PARIS)) for instant in found]
    assert [(d.date().isoformat(), d.hour) for d in local_days] == [
        ("2026-10-22", 9),
        ("2026-10-23", 9),
        ("2026-10-26", 9),  # the weekend (and the DST change) skipped
        ("2026-10-27", 9),
    ]
    assert found[1] == utc(2026, 10, 23, 7) and found[2] == utc(2026, 10, 26, 8)


def test_kolkata_has_no_dst_and_a_half_hour_offset() -> None:
    monday_nine = Cadence(Frequency.weekly, hour=9, weekday=0, tz="Asia/Kolkata")
    found = occurrences(monday_nine, utc(2026, 3, 20), 3)
    assert found == [utc(2026, 3, 23, 3, 30), utc(2026, 3, 30, 3, 30), utc(2026, 4, 6, 3, 30)]


def test_the_same_cadence_lands_on_different_utc_instants_per_zone() -> None:
    after = utc(2026, 11, 22, 12)
    paris = next_occurrence(Cadence(Frequency.weekly, hour=9, weekday=0, tz=PARIS), after)
    new_york = next_occurrence(
        Cadence(Frequency.weekly, hour=9, weekday=0, tz="America/New_York"), after
    )
    assert (paris, new_york) == (utc(2026, 11, 23, 8), utc(2026, 11, 23, 14))


def test_monthly_first_working_day_skips_weekends_and_holidays() -> None:
    # 2026-08-01 is a Saturday; 2026-11-01 is a Sunday and 2026-11-02 a declared holiday.
    cadence = Cadence(
        Frequency.monthly_first_working_day,
        hour=9,
        tz=PARIS,
        holidays=frozenset({date(2026, 11, 2)}),
    )
    found = occurrences(cadence, utc(2026, 7, 15), 5)
    assert [instant.date().isoformat() for instant in found] == [
        "2026-08-03",
        "2026-09-01",
        "2026-10-01",
        "2026-11-03",
        "2026-12-01",
    ]
    assert period_of(cadence, found[3]) == "2026-11"


def test_latest_occurrence_is_the_last_one_not_after_now() -> None:
    monday_nine = Cadence(Frequency.weekly, hour=9, weekday=0, tz=PARIS)
    assert latest_occurrence(monday_nine, utc(2026, 11, 25)) == utc(2026, 11, 23, 8)
    assert latest_occurrence(monday_nine, utc(2026, 11, 23, 8)) == utc(2026, 11, 23, 8)


def test_period_of_a_weekly_send_is_the_iso_week_of_its_local_date() -> None:
    # Monday 00:30 in Kolkata is still Sunday in UTC: the period follows the local date.
    cadence = Cadence(Frequency.weekly, hour=0, minute=30, weekday=0, tz="Asia/Kolkata")
    instant = next_occurrence(cadence, utc(2026, 11, 20))
    assert instant == utc(2026, 11, 22, 19)
    assert period_of(cadence, instant) == "2026-W48"


def test_working_days_skip_weekends_and_holidays() -> None:
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 1, {date(2026, 11, 23)}) == date(2026, 11, 24)
    assert add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 23)  # Saturday → Monday
    assert working_days_between(friday, date(2026, 11, 24)) == 2


def test_invalid_cadences_are_refused() -> None:
    with pytest.raises(ValueError):
        Cadence(Frequency.weekly, hour=9, weekday=None)
    with pytest.raises(ValueError):
        Cadence(Frequency.daily, hour=24)
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo raises its own subclass
        Cadence(Frequency.daily, hour=9, tz="Mars/Olympus")
