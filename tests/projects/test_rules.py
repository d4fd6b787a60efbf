"""The pure rules: KPI arithmetic, parsing, validation, follow-up timing, text bars."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.i18n import translator, translator_for
from bot.projects.flash import FlashEntry, FlashReport, ProjectFacts
from bot.projects.followups import missed_due_at, reminder_due_at
from bot.projects.kpi_values import (
    KpiChange,
    change_since_last_checkin,
    kpi_progress,
    target_reached,
    value_before,
)
from bot.projects.report_views import flash_report
from bot.projects.texts import number, progress_bar, signed
from bot.projects.validation import (
    KpiDraft,
    MilestoneDraft,
    StatusAction,
    UpdateDraft,
    parse_number,
    progress_percent,
    reason_problems,
    split_lines,
    validate_kpis,
    validate_milestones,
    validate_update,
)

T = translator_for("en-US")


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12", 12.0),
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("1 200", 1200.0),
        ("1,200.5", 1200.5),
        ("35 %", 35.0),
        ("-3", -3.0),
        (".5", 0.5),
        ("", None),
        ("twelve", None),
        ("1e9999", None),
        ("12..5", None),
        ("nan", None),
    ],
)
def test_kpi_values_are_read_as_people_type_them(typed: str, value: float | None) -> None:
    assert parse_number(typed) == value


def test_progress_goes_from_baseline_to_target_whichever_way_is_good() -> None:
    up = kpi_progress(baseline=20, target=30, current=24, direction="up")
    assert up.fraction == pytest.approx(0.4) and not up.reached
    down = kpi_progress(baseline=10, target=4, current=7, direction="down")  # days to quote
    assert down.fraction == pytest.approx(0.5) and not down.reached
    assert kpi_progress(baseline=10, target=4, current=3, direction="down").reached
    assert kpi_progress(baseline=20, target=30, current=31, direction="up").fraction == 1.1
    worse = kpi_progress(baseline=20, target=30, current=18, direction="up")
    assert worse.fraction == pytest.approx(-0.2)
    assert kpi_progress(baseline=20, target=30, current=None, direction="up").fraction is None
    assert target_reached(target=30, value=30, direction="up")
    assert target_reached(target=4, value=4, direction="down")


def test_the_change_since_the_last_checkin_is_better_or_worse_by_direction() -> None:
    assert change_since_last_checkin(previous=20, current=24, direction="up") == KpiChange(4, True)
    assert change_since_last_checkin(previous=8, current=6, direction="down") == KpiChange(-2, True)
    assert change_since_last_checkin(previous=8, current=9, direction="down") == KpiChange(1, False)
    assert change_since_last_checkin(previous=5, current=5, direction="up") == KpiChange(0, None)
    assert change_since_last_checkin(previous=None, current=5, direction="up") is None


def test_a_value_pushed_after_a_checkin_compares_with_that_checkin() -> None:
    checkin = datetime(2026, 11, 17, 15, tzinfo=UTC)
    pushed = datetime(2026, 11, 19, 8, tzinfo=UTC)
    common = {"checkin_at": checkin, "checkin_value": 24.0, "previous_checkin_value": 20.0}
    assert value_before(current_at=pushed, **common) == 24.0
    assert value_before(current_at=checkin, **common) == 20.0


def test_kpi_rules_refuse_what_cannot_be_reached() -> None:
    problems = validate_kpis(
        [
            KpiDraft(name="Win rate", baseline="20", target="20", direction="up"),
            KpiDraft(name="Cycle", baseline="30", target="40", direction="down"),
            KpiDraft(name="", baseline="x", target="4", direction="up"),
            KpiDraft(),  # an empty slot is ignored
        ],
        start_date=date(2026, 12, 1),
        existing=set(),
    )
    assert set(problems) == {"kpis.0.target", "kpis.1.target", "kpis.2.name", "kpis.2.baseline"}
    assert "below the baseline" in problems["kpis.1.target"].message


def test_milestone_rules() -> None:
    start = date(2026, 12, 1)
    problems = validate_milestones(
        [
            MilestoneDraft(name="Kick-off", due_date=date(2026, 11, 30)),
            MilestoneDraft(name="GO", due_date=date(2026, 12, 10), remind_days_before="45"),
            MilestoneDraft(name="Pilot", due_date=None),
        ],
        start_date=start,
    )
    assert set(problems) == {
        "milestones.0.due_date",
        "milestones.1.remind_days_before",
        "milestones.2.due_date",
    }


def test_update_rules() -> None:
    draft = UpdateDraft(
        health="sideways",
        progress="140",
        kpi_values={7: "n/a", 8: "", 9: "12"},
        new_rollout_names=["Spain", "spain"],
    )
    problems = validate_update(draft=draft, existing_line_names={"france"})
    assert set(problems) == {"health", "progress", "kpi.7", "new_rollout"}
    assert progress_percent("40") == 40 and progress_percent("40.5") is None


def test_a_reason_is_mandatory_and_other_needs_words() -> None:
    assert set(reason_problems(action=StatusAction.pause, reason=None, note="")) == {"reason"}
    assert set(reason_problems(action=StatusAction.pause, reason="other", note=" ")) == {"note"}
    assert reason_problems(action=StatusAction.abandon, reason="failure", note="") == {}
    assert set(reason_problems(action=StatusAction.resume, reason="failure", note="")) == {"reason"}


def test_reminder_the_next_working_day_and_missed_two_working_days_later() -> None:
    friday_ten_paris = datetime(2026, 11, 20, 9, tzinfo=UTC)  # 10:00 in Paris
    reminder = reminder_due_at(due_at=friday_ten_paris, tz="Europe/Paris", holidays=frozenset())
    assert reminder == datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday 10:00
    missed = missed_due_at(due_at=friday_ten_paris, tz="Europe/Paris", holidays=frozenset())
    assert missed == datetime(2026, 11, 25, 9, tzinfo=UTC)  # Wednesday 10:00
    holiday = frozenset({date(2026, 11, 23)})
    assert reminder_due_at(
        due_at=friday_ten_paris, tz="Europe/Paris", holidays=holiday
    ) == datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_text_bars_and_numbers() -> None:
    en, fr = translator("en"), translator("fr")
    assert progress_bar(en, 0.4) == "▓▓▓▓░░░░░░ 40%"
    assert progress_bar(en, 1.2) == "▓▓▓▓▓▓▓▓▓▓ 120%"
    assert progress_bar(en, -0.2) == "░░░░░░░░░░ -20%"
    assert progress_bar(en, None) == "░░░░░░░░░░ –"
    assert progress_bar(fr, 0.4) == "▓▓▓▓░░░░░░ 40\u00a0%"
    assert (number(en, 24.0, "%"), number(en, 1200.0, "deals"), number(en, 12.345)) == (
        "24%",
        "1,200 deals",
        "12.35",
    )
    # A French reader: a decimal comma, grouped thousands, a space before the percent sign.
    assert (number(fr, 12.5, "%"), number(fr, 1200.0), number(fr, 12.5)) == (
        "12,5\u00a0%",
        "1\u202f200",
        "12,5",
    )
    assert (signed(en, 3, "%"), signed(en, -1.5), signed(en, 0)) == ("+3%", "−1.5", "±0")
    assert split_lines("France\n Germany, Spain;;") == ["France", "Germany", "Spain"]


def test_the_flash_report_is_split_into_messages_of_at_most_50_blocks() -> None:
    projects = [
        ProjectFacts(
            id=n,
            name=f"P{n}",
            name_key=f"p{n}",
            owner_id="U1",
            tz="UTC",
            phase="rollout",
            status="active",
            status_reason=None,
            status_note=None,
            status_changed_at=None,
            health="on_track",
            progress_pct=50,
            blockers=None,
        )
        for n in range(200)
    ]
    report = FlashReport(active=[FlashEntry(p) for p in projects], paused=[], abandoned=[])
    parts = flash_report(T, report, week_of=date(2026, 11, 23))
    assert len(parts) == 2  # 3 header blocks + 200 projects, three a section
    assert all(len(blocks) <= 50 for _, blocks in parts)
    assert [text for text, _ in parts][1] == "Flash report, week of Nov 23, 2026 (part 2 of 2)"
    assert sum(str(blocks).count("*P") for _, blocks in parts) == 200
