"""Pure rules of intake: state machine, filing input, estimates, settings, matching, ETA news."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import UserFacingError
from bot.intake import configuration
from bot.intake.etas import is_material
from bot.intake.filing import Filing, estimate_hours, filing_errors, first_response_due
from bot.intake.knowledge import keywords_of, shared_keywords
from bot.intake.models import Status
from bot.intake.priority import Calendar
from bot.intake.service import TRANSITIONS, IllegalTransition, check_transition

TODAY = date(2026, 11, 4)


def good_filing(**changes: object) -> Filing:
    values: dict[str, object] = {
        "title": "Lost reason field",
        "need": "Analyse churn",
        "impact": "slows_team",
        "beneficiary": "me",
        "category": "crm",
    }
    values.update(changes)
    return Filing(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the state machine

LEGAL = {
    (Status.new, Status.waiting),
    (Status.waiting, Status.new),
    (Status.new, Status.accepted),
    (Status.accepted, Status.in_progress),
    (Status.in_progress, Status.done),
    (Status.done, Status.accepted),
    (Status.new, Status.answered_doc),
    (Status.new, Status.self_service),
    (Status.new, Status.declined),
    (Status.new, Status.withdrawn),
    (Status.waiting, Status.withdrawn),
}


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_the_lifecycle_moves_are_allowed(current: str, target: str) -> None:
    check_transition(number=1, current=current, target=target)


@pytest.mark.parametrize("current", list(Status))
def test_the_same_move_twice_is_refused_with_a_message(current: str) -> None:
    """A double click or a Slack retry repeats a move: the second one is always illegal."""
    with pytest.raises(IllegalTransition) as refused:
        check_transition(number=42, current=current, target=current)
    assert isinstance(refused.value, UserFacingError)
    assert "REQ-42" in str(refused.value) and "nothing was changed" in str(refused.value)


@pytest.mark.parametrize(
    "closed", [Status.answered_doc, Status.self_service, Status.declined, Status.withdrawn]
)
def test_closed_requests_never_move_again(closed: str) -> None:
    assert TRANSITIONS[closed] == frozenset()


def test_a_request_cannot_skip_acceptance() -> None:
    for target in (Status.in_progress, Status.done):
        with pytest.raises(IllegalTransition):
            check_transition(number=1, current=Status.new, target=target)


# ---------------------------------------------------------------- filing input


def test_a_complete_filing_has_no_error() -> None:
    assert filing_errors(good_filing(), today=TODAY, active_rollout_ids=frozenset()) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 3000}, "title"),
        ({"need": "   "}, "need"),
        ({"need": "x" * 2001}, "need"),
        ({"impact": None}, "impact"),
        ({"category": "made-up"}, "category"),
        ({"wished_date": date(2026, 11, 3)}, "wished_date"),
        ({"link": "not a link"}, "link"),
        ({"link": "ftp://example.com/x"}, "link"),
        ({"rollout_id": 99}, "rollout"),
    ],
)
def test_bad_input_is_refused_on_its_field(changes: dict[str, object], field: str) -> None:
    errors = filing_errors(good_filing(**changes), today=TODAY, active_rollout_ids=frozenset({1}))
    assert list(errors) == [field]


def test_today_and_a_real_link_are_fine() -> None:
    filing = good_filing(wished_date=TODAY, link="https://crm.example.com/reports/7", rollout_id=1)
    assert filing_errors(filing, today=TODAY, active_rollout_ids=frozenset({1})) == {}


def test_estimates_take_typed_hours_over_a_size() -> None:
    assert estimate_hours(size="M", hours="") == 8
    assert estimate_hours(size="S", hours="1,5") == 1.5
    assert estimate_hours(size=None, hours="abc").message.startswith("Give a number")  # type: ignore[union-attr]
    assert estimate_hours(size=None, hours="0").message.startswith("Give between")  # type: ignore[union-attr]
    assert estimate_hours(size=None, hours="").message.startswith("Pick a size")  # type: ignore[union-attr]


def test_first_response_is_due_sla_working_days_after_filing() -> None:
    from datetime import UTC, datetime

    friday = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
    assert first_response_due(filed_at=friday, sla_days=1, calendar=Calendar()) == date(2026, 11, 9)
    assert first_response_due(
        filed_at=friday, sla_days=2, calendar=Calendar.of([date(2026, 11, 10)])
    ) == date(2026, 11, 11)


# ---------------------------------------------------------------- settings


def settings_form(**changes: object) -> configuration.SettingsForm:
    values: dict[str, object] = {
        "intake_channel_id": "C1",
        "revops_usergroup_id": None,
        "who_may_file": "everyone",
        "filer_usergroup_ids": [],
        "team_lead_id": None,
        "capacity": "20",
        "sla": "1",
        "reminder": "3",
        "auto_close": "10",
        "holidays": "2026-12-25\n2027-01-01",
        "rollouts": "E-signature\n\nE-signature\nNew CPQ",
    }
    values.update(changes)
    return configuration.SettingsForm(**values)  # type: ignore[arg-type]


def test_settings_are_parsed_and_rollouts_deduplicated() -> None:
    checked = configuration.check_settings(settings_form())
    assert checked.errors == {}
    assert checked.holidays == [date(2026, 12, 25), date(2027, 1, 1)]
    assert checked.rollouts == ["E-signature", "New CPQ"]
    assert checked.values["run_capacity_hours"] == 20


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"intake_channel_id": None}, "channel"),
        ({"capacity": "-1"}, "capacity"),
        ({"capacity": "lots"}, "capacity"),
        ({"sla": "0"}, "sla"),
        ({"auto_close": "2"}, "auto_close"),
        ({"holidays": "Christmas"}, "holidays"),
        ({"who_may_file": "usergroups"}, "filer_groups"),
    ],
)
def test_bad_settings_are_refused_on_their_field(changes: dict[str, object], field: str) -> None:
    assert list(configuration.check_settings(settings_form(**changes)).errors) == [field]


# ---------------------------------------------------------------- deflection matching


def test_keywords_are_normalised_and_explainable() -> None:
    assert keywords_of("Les Dashboards du pipeline, s'il vous plaît!") >= {"dashboard", "pipeline"}
    assert "the" not in keywords_of("the pipeline")
    assert keywords_of("Prévisions") == keywords_of("previsions")


def test_two_shared_keywords_match_one_does_not_unless_the_draft_is_short() -> None:
    doc = keywords_of("Pipeline by region dashboard for sales managers")
    assert shared_keywords(keywords_of("Need the pipeline dashboard per country"), doc) == {
        "pipeline",
        "dashboard",
    }
    assert shared_keywords(keywords_of("Fix the pipeline stage field for renewals"), doc) is None
    assert shared_keywords(keywords_of("pipeline"), doc) == {"pipeline"}


# ---------------------------------------------------------------- ETA news


def test_an_eta_move_is_material_from_one_working_day() -> None:
    calendar = Calendar()
    friday, monday = date(2026, 11, 6), date(2026, 11, 9)
    assert is_material(friday, monday, calendar)  # one working day later
    assert is_material(monday, friday, calendar)  # earlier counts too
    assert not is_material(friday, date(2026, 11, 8), calendar)  # to Sunday: no working day
