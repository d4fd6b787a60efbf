"""The priority score, its quick-win bound, working-day arithmetic and ETAs (pure functions)."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import pytest

from bot.intake.models import Beneficiary, Impact, Status
from bot.intake.priority import (
    AGE_POINTS_PER_WORKING_DAY,
    BENEFIT_FACTOR,
    MAX_FRESH_SCORE,
    QUICK_WIN_TOP_DAYS,
    ROLLOUT_BOOST,
    WATCHER_STEP,
    Calendar,
    QueueEntry,
    ahead_of,
    benefit_factor,
    etas,
    priority_score,
    rank,
)
from bot.intake.service import MAX_BENEFIT_FACTOR
from bot.scheduling.cadence import add_working_days, working_days_between

MONDAY = date(2026, 11, 2)


def entry(
    request_id: int,
    *,
    impact: str = Impact.slows_team,
    beneficiary: str = Beneficiary.me,
    filed_on: date = MONDAY,
    rollout: bool = False,
    status: str = Status.accepted,
    estimate: float | None = 4.0,
) -> QueueEntry:
    return QueueEntry(
        request_id=request_id,
        number=request_id,
        impact=impact,
        beneficiary=beneficiary,
        filed_on=filed_on,
        rollout=rollout,
        status=status,
        estimate_hours=estimate,
    )


# ---------------------------------------------------------------- the score


def test_score_is_impact_times_who_benefits_plus_age_plus_rollout_boost() -> None:
    assert (
        priority_score(
            impact=Impact.blocks_deal,
            beneficiary=Beneficiary.customers,
            age_working_days=0,
            rollout=False,
        )
        == 80
    )
    assert (
        priority_score(
            impact=Impact.slows_team,
            beneficiary=Beneficiary.my_team,
            age_working_days=3,
            rollout=True,
        )
        == 15 * 1.3 + 3 * AGE_POINTS_PER_WORKING_DAY + ROLLOUT_BOOST
    )


def test_impact_orders_fresh_requests_and_who_benefits_breaks_even_impact() -> None:
    def fresh(impact: str, beneficiary: str = Beneficiary.me) -> float:
        return priority_score(
            impact=impact, beneficiary=beneficiary, age_working_days=0, rollout=False
        )

    assert (
        fresh(Impact.blocks_deal)
        > fresh(Impact.stops_team)
        > fresh(Impact.slows_team)
        > fresh(Impact.nice_to_have)
    )
    assert fresh(Impact.slows_team, Beneficiary.leadership) > fresh(
        Impact.slows_team, Beneficiary.me
    )


def test_the_quick_win_bound_is_three_weeks_of_working_days() -> None:
    assert QUICK_WIN_TOP_DAYS == 15


def test_a_nice_to_have_quick_win_tops_any_fresh_request_after_the_bound_and_not_before() -> None:
    """The smallest request, QUICK_WIN_TOP_DAYS working days old, ranks ahead of anything filed
    that day, whatever its impact, audience or roll-out; one day earlier it does not."""
    today = MONDAY + timedelta(weeks=4)
    calendar = Calendar()
    quick_win_filed = today
    for _ in range(QUICK_WIN_TOP_DAYS):  # walk back the bound in working days
        quick_win_filed -= timedelta(days=1)
        while quick_win_filed.weekday() >= 5:
            quick_win_filed -= timedelta(days=1)
    quick_win = entry(
        1,
        impact=Impact.nice_to_have,
        beneficiary=Beneficiary.me,
        filed_on=quick_win_filed,
        status=Status.new,
    )
    for impact, beneficiary, rollout in itertools.product(Impact, Beneficiary, (False, True)):
        fresh = entry(
            2,
            impact=impact,
            beneficiary=beneficiary,
            rollout=rollout,
            filed_on=today,
            status=Status.new,
        )
        ranked = rank([fresh, quick_win], today=today, calendar=calendar)
        assert ranked[0].entry.request_id == 1, (impact, beneficiary, rollout)

    one_day_younger = entry(
        1,
        impact=Impact.nice_to_have,
        filed_on=quick_win_filed + timedelta(days=1),
        status=Status.new,
    )
    strongest = entry(
        2,
        impact=Impact.blocks_deal,
        beneficiary=Beneficiary.customers,
        rollout=True,
        filed_on=today,
        status=Status.new,
    )
    ranked = rank([strongest, one_day_younger], today=today, calendar=calendar)
    assert ranked[0].entry.request_id == 2
    assert ranked[0].score == MAX_FRESH_SCORE


def test_ties_break_by_age_then_reference() -> None:
    today = MONDAY + timedelta(days=14)
    req_7 = entry(7, filed_on=MONDAY, status=Status.new)
    req_3 = entry(3, filed_on=MONDAY, status=Status.new)
    ranked = rank([req_7, req_3], today=today, calendar=Calendar())
    assert [r.entry.request_id for r in ranked] == [3, 7]  # same score and age: lower ref first

    # 5 + 5 days × 6 = 35 = 35 × 1.0: equal scores, the one waiting longer goes first.
    waiting = entry(
        9, impact=Impact.nice_to_have, filed_on=today - timedelta(days=7), status=Status.new
    )
    fresh = entry(1, impact=Impact.stops_team, filed_on=today, status=Status.new)
    ranked = rank([fresh, waiting], today=today, calendar=Calendar())
    assert ranked[0].score == ranked[1].score == 35
    assert [r.entry.request_id for r in ranked] == [9, 1]


def test_age_counts_working_days_only() -> None:
    friday, monday = date(2026, 11, 6), date(2026, 11, 9)
    ranked = rank([entry(1, filed_on=friday)], today=monday, calendar=Calendar())
    assert ranked[0].age_working_days == 1
    ranked = rank([entry(1, filed_on=friday)], today=monday, calendar=Calendar.of([monday]))
    assert ranked[0].age_working_days == 0


# ---------------------------------------------------------------- calendar


def test_working_days_between_matches_the_scheduling_calendar() -> None:
    generator = random.Random(42)
    holidays = [date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2026, 12, 26)]
    calendar = Calendar.of(holidays)
    for _ in range(500):
        start = date(2026, 11, 1) + timedelta(days=generator.randrange(120))
        end = start + timedelta(days=generator.randrange(-10, 90))
        assert calendar.working_days_between(start, end) == working_days_between(
            start, end, holidays
        ), (start, end)


def test_working_day_after_skips_weekends_and_holidays() -> None:
    holidays = [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31)]
    calendar = Calendar.of(holidays)
    generator = random.Random(7)
    for _ in range(300):
        start = date(2026, 12, 1) + timedelta(days=generator.randrange(60))
        days = generator.randrange(1, 40)
        expected = start
        remaining = days
        while remaining:
            expected += timedelta(days=1)
            if calendar.is_working_day(expected):
                remaining -= 1
        assert calendar.working_day_after(start, days) == expected, (start, days)
    # Spot checks a reader can verify: Wednesday 23 Dec + 1 skips the 24th, 25th and a weekend.
    assert calendar.working_day_after(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert add_working_days(date(2026, 12, 23), 1, holidays) == date(2026, 12, 28)


# ---------------------------------------------------------------- ETAs


def test_eta_spends_the_daily_share_of_the_weekly_capacity_in_priority_order() -> None:
    """20 h a week = 4 h a working day; estimates 3, 2, 5 and 10 h in priority order finish
    after 3, 5, 10 and 20 cumulative hours: 1, 2, 3 and 5 working days after today."""
    today = date(2026, 11, 4)  # a Wednesday
    queue = [
        entry(1, impact=Impact.blocks_deal, estimate=3),
        entry(2, impact=Impact.stops_team, estimate=2),
        entry(3, impact=Impact.slows_team, estimate=5),
        entry(4, impact=Impact.nice_to_have, estimate=10),
        entry(5, impact=Impact.blocks_deal, status=Status.new, estimate=None),
    ]
    ranked = rank(queue, today=today, calendar=Calendar())
    promised = etas(ranked, today=today, weekly_capacity_hours=20, calendar=Calendar())
    assert promised == {
        1: date(2026, 11, 5),  # Thu
        2: date(2026, 11, 6),  # Fri
        3: date(2026, 11, 9),  # Mon: the weekend is skipped
        4: date(2026, 11, 11),  # Wed
    }
    assert 5 not in promised  # not accepted: no promise yet


def test_work_in_progress_comes_before_accepted_work_whatever_its_score() -> None:
    today = date(2026, 11, 4)
    queue = [
        entry(1, impact=Impact.blocks_deal, estimate=8),
        entry(2, impact=Impact.nice_to_have, status=Status.in_progress, estimate=8),
    ]
    ranked = rank(queue, today=today, calendar=Calendar())
    promised = etas(ranked, today=today, weekly_capacity_hours=20, calendar=Calendar())
    assert promised == {2: date(2026, 11, 6), 1: date(2026, 11, 10)}
    assert [e.request_id for e in ahead_of(ranked, 1)] == [2]


def test_holidays_push_etas_and_no_capacity_means_no_promise() -> None:
    today = date(2026, 12, 22)  # Tuesday
    calendar = Calendar.of([date(2026, 12, 24), date(2026, 12, 25)])
    ranked = rank([entry(1, estimate=12)], today=today, calendar=calendar)
    # 12 h at 4 h a day: 3 working days after Tuesday = Wed 23, Mon 28, Tue 29.
    assert etas(ranked, today=today, weekly_capacity_hours=20, calendar=calendar) == {
        1: date(2026, 12, 29)
    }
    assert etas(ranked, today=today, weekly_capacity_hours=0, calendar=calendar) == {}


@pytest.mark.parametrize(("capacity", "expected_days"), [(40, 1), (10, 4), (5, 8)])
def test_a_smaller_capacity_means_a_later_eta(capacity: int, expected_days: int) -> None:
    today = date(2026, 11, 2)  # Monday
    ranked = rank([entry(1, estimate=8)], today=today, calendar=Calendar())
    promised = etas(ranked, today=today, weekly_capacity_hours=capacity, calendar=Calendar())
    assert promised[1] == Calendar().working_day_after(today, expected_days)


# ---------------------------------------------------------------- "me too": watchers


def test_each_watcher_raises_who_benefits_by_a_step_up_to_the_greatest_factor() -> None:
    factors = [benefit_factor(beneficiary=Beneficiary.me, watchers=n) for n in range(10)]
    assert factors[:7] == [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]  # exact: counted in tenths
    assert factors[7:] == [MAX_BENEFIT_FACTOR] * 3  # the bound: never above customers' 1.6
    assert WATCHER_STEP == 0.1 and max(BENEFIT_FACTOR.values()) == MAX_BENEFIT_FACTOR
    assert benefit_factor(beneficiary=Beneficiary.customers, watchers=50) == MAX_BENEFIT_FACTOR
    assert benefit_factor(beneficiary=Beneficiary.my_team, watchers=-3) == 1.3


@pytest.mark.parametrize("watchers", [0, 1, 5, 6, 100, 10_000])
def test_watchers_never_break_the_fresh_score_bound_nor_the_quick_win_bound(
    watchers: int,
) -> None:
    """However many people follow a request, a fresh one scores at most MAX_FRESH_SCORE, so
    the smallest quick win still passes every request QUICK_WIN_TOP_DAYS younger."""
    for impact, beneficiary, rollout in itertools.product(Impact, Beneficiary, (False, True)):
        fresh = priority_score(
            impact=impact,
            beneficiary=beneficiary,
            age_working_days=0,
            rollout=rollout,
            watchers=watchers,
        )
        assert fresh <= MAX_FRESH_SCORE
        assert (fresh * 2).is_integer()  # a multiple of 0.5: equal in Python and SQL
        quick_win_aged = priority_score(
            impact=Impact.nice_to_have,
            beneficiary=Beneficiary.me,
            age_working_days=QUICK_WIN_TOP_DAYS,
            rollout=False,
        )
        assert quick_win_aged >= fresh  # and it is the older: ties go to it (priority.rank)


def test_five_managers_following_move_a_request_for_me_above_one_for_my_team() -> None:
    mine = QueueEntry(1, 1, Impact.slows_team, Beneficiary.me, MONDAY, False, Status.new)
    team = QueueEntry(2, 2, Impact.slows_team, Beneficiary.my_team, MONDAY, False, Status.new)
    assert [r.entry.number for r in rank([mine, team], today=MONDAY, calendar=Calendar())] == [2, 1]
    followed = mine._replace(watchers=5)  # 15 × 1.5 = 22.5 > 15 × 1.3 = 19.5
    ranked = rank([followed, team], today=MONDAY, calendar=Calendar())
    assert [(r.entry.number, r.score) for r in ranked] == [(1, 22.5), (2, 19.5)]
