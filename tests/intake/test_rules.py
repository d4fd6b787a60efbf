"""Pure rules of intake: state machine, filing input, estimates, settings, matching, ETA news."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.errors import UserFacingError
from bot.intake import configuration
from bot.intake.etas import is_material
from bot.intake.filing import Filing, estimate_hours, filing_errors, first_response_due
from bot.intake.knowledge import offer_before_filing
from bot.intake.models import Status
from bot.intake.priority import Calendar
from bot.intake.service import (
    REQUESTER_MOVES,
    TRANSITIONS,
    IllegalTransition,
    check_transition,
    requester_may_withdraw,
    team_moves,
)

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


# ---------------------------------------------------------------- ETA news


def test_an_eta_move_is_material_from_one_working_day() -> None:
    calendar = Calendar()
    friday, monday = date(2026, 11, 6), date(2026, 11, 9)
    assert is_material(friday, monday, calendar)  # one working day later
    assert is_material(monday, friday, calendar)  # earlier counts too
    assert not is_material(friday, date(2026, 11, 8), calendar)  # to Sunday: no working day


# ---------------------------------------------------------------- rules moved out of listeners


def test_the_teams_buttons_are_the_state_machines_moves() -> None:
    assert team_moves(Status.new) == [
        Status.accepted,
        Status.waiting,
        Status.answered_doc,
        Status.self_service,
        Status.declined,
    ]
    assert Status.waiting not in team_moves(Status.waiting)  # asked already
    assert team_moves(Status.accepted) == [Status.in_progress, Status.done, Status.declined]
    assert team_moves(Status.in_progress) == [Status.done]
    assert team_moves(Status.done) == []  # reopening is the requester's "no, not solved"
    for status in Status:
        for target in TRANSITIONS[status]:
            if target == Status.merged:
                continue  # the card's Merge button on a possible duplicate (watching.merge)
            mine = (status, target) in REQUESTER_MOVES
            assert mine != (target in team_moves(status)), (status, target)


@pytest.mark.parametrize(
    ("status", "may"),
    [
        (Status.new, True),
        (Status.waiting, True),
        (Status.accepted, True),
        (Status.in_progress, True),
        (Status.done, False),
        (Status.declined, False),
    ],
)
def test_a_requester_withdraws_whatever_the_state_machine_lets_go(status: str, may: bool) -> None:
    assert requester_may_withdraw(status) is may


def test_everyone_files_unless_filing_is_restricted_to_user_groups() -> None:
    looked_up: list[str] = []
    groups = {"SMANAGERS": frozenset({"U9", "U8"}), "SLEADS": frozenset({"U1", "U7"})}

    def members_of(group: str) -> frozenset[str]:
        looked_up.append(group)
        return groups[group]

    assert configuration.filing_refusal(user_id="U1", groups=[], members_of=members_of) is None
    assert looked_up == []
    allowed = configuration.filing_refusal(
        user_id="U1", groups=["SMANAGERS", "SLEADS"], members_of=members_of
    )
    assert allowed is None and looked_up == ["SMANAGERS", "SLEADS"]

    looked_up.clear()
    refused = configuration.filing_refusal(
        user_id="U1", groups=["SLEADS", "SMANAGERS"], members_of=members_of
    )
    assert refused is None and looked_up == ["SLEADS"]  # found in the first group: no more


def test_someone_outside_the_filer_groups_learns_who_files_for_them() -> None:
    many = frozenset(f"U{n}" for n in range(10, 20))
    refused = configuration.filing_refusal(
        user_id="U1",
        groups=["SMANAGERS", "SLEADS"],
        members_of=lambda group: {"SMANAGERS": frozenset({"U3", "U2"}), "SLEADS": many}[group],
    )
    assert refused is not None
    text = str(refused)
    assert "<!subteam^SMANAGERS>, <!subteam^SLEADS>" in text
    # Up to five people, the first group's first, each once.
    assert "<@U2>, <@U3>, <@U10>, <@U11>, <@U12>." in text and "<@U13>" not in text
    nobody = configuration.filing_refusal(
        user_id="U1", groups=["SEMPTY"], members_of=lambda group: frozenset()
    )
    assert nobody is not None and "Ask one of them to file it for you." in str(nobody)


def test_matching_docs_are_offered_once_before_filing() -> None:
    assert offer_before_filing(matched=[4, 7], shown=[]) is True
    assert offer_before_filing(matched=[4, 7], shown=[4]) is True  # a new doc matched
    assert offer_before_filing(matched=[4, 7], shown=[7, 4]) is False  # seen: file anyway
    assert offer_before_filing(matched=[], shown=[]) is False


def test_the_priority_score_and_its_bound_are_service_rules() -> None:
    from bot.intake import priority, service

    assert priority.priority_score is service.priority_score
    assert service.QUICK_WIN_TOP_DAYS == 15
    doc = service.priority_score.__doc__ or ""
    assert "ceil((95 − 5) / 6) = 15 working days" in doc
    assert "AGE_POINTS_PER_WORKING_DAY" in doc and "ROLLOUT_BOOST" in doc


def test_a_docs_keywords_keep_what_requests_repeat_and_the_latest_words() -> None:
    from bot.intake.knowledge import KEYWORDS_KEPT, kept_keywords, keywords_in_order

    # Word forms are the search engine's (stems): keywords keep the words as typed.
    assert keywords_in_order("Zebra dashboards, the pipeline and zebra") == [
        "zebra",
        "dashboards",
        "pipeline",
    ]
    known = [f"word{n:03d}" for n in range(KEYWORDS_KEPT)]  # a full doc
    kept = kept_keywords(known, ["zonal", "word150", "yield"])
    assert len(kept) == KEYWORDS_KEPT
    assert kept[:3] == ["word150", "zonal", "yield"]  # asked again first, then the new words
    # The words pushed out are the oldest nobody repeated, not the last of the alphabet.
    assert "word199" not in kept and "word198" not in kept and "word000" in kept


def test_the_team_modals_inputs_carry_their_validation_limits() -> None:
    from bot.i18n import translator_for
    from bot.intake.ids import Block, Callback
    from bot.intake.inputs import HOURS_INPUT_MAX, LINK_MAX, NOTE_MAX, SUMMARY_MAX
    from bot.intake.models import IntakeRequest
    from bot.intake.state import ModalRef
    from bot.intake.views_modal import accept_modal, doc_modal, note_modal

    t = translator_for("en-US")
    request = IntakeRequest(id=1, number=1, title="T", need="N", status=Status.new)
    meta = ModalRef(request_id=1)

    def limits(view: dict) -> dict[str, int | None]:
        return {
            b["block_id"]: b["element"].get("max_length")
            for b in view["blocks"]
            if b.get("element", {}).get("type") == "plain_text_input"
        }

    note = note_modal(
        t, request, callback_id=Callback.decline, title="x", label="y", submit="z", meta=meta
    )
    assert limits(note) == {Block.note: NOTE_MAX}
    assert limits(doc_modal(t, request, meta=meta, docs=[])) == {
        Block.doc_url: LINK_MAX,
        Block.doc_summary: SUMMARY_MAX,
        Block.share_message: 1000,
    }
    assert limits(accept_modal(t, request, meta=meta, assignee_id="U3")) == {
        Block.hours: HOURS_INPUT_MAX
    }


def test_team_modals_built_once_carry_each_requests_own_values_verbatim() -> None:
    """Accept and the note modals are built once per language with placeholders; what a
    request brings (quotes, backslashes, accents, even a placeholder's spelling) is written
    into a copy as it is, and the next request's modal shows none of it."""
    from bot.i18n import translator_for
    from bot.intake.ids import Block, Callback
    from bot.intake.models import IntakeRequest, Status
    from bot.intake.state import ModalRef
    from bot.intake.views_modal import accept_modal, note_modal

    t = translator_for("fr-FR")
    tricky = 'Pipeline "Q4" \\ région @@meta@@ @@assignee@@'
    request = IntakeRequest(id=7, number=7, title=tricky, need=tricky, status=Status.new)
    plain = IntakeRequest(id=8, number=8, title="Plain", need="Plain need", status=Status.new)

    accept = accept_modal(t, request, meta=ModalRef(request_id=7), assignee_id="U42")
    intro = accept["blocks"][0]["text"]["text"]
    assert tricky in intro and intro.count("@@meta@@") == 2  # the title's and the need's own
    assignee = next(b for b in accept["blocks"] if b.get("block_id") == Block.assignee)
    assert assignee["element"]["initial_user"] == "U42"
    assert ModalRef.model_validate_json(accept["private_metadata"]).request_id == 7
    assert accept["submit"]["text"] == "Accepter"  # the French modal, built for French

    other = accept_modal(t, plain, meta=ModalRef(request_id=8), assignee_id="U43")
    assert "Pipeline" not in json.dumps(other) and "U42" not in json.dumps(other)

    note = note_modal(
        t,
        request,
        callback_id=Callback.ask_why,
        title="Ask",
        label="Why?",
        submit="Send",
        meta=ModalRef(request_id=7),
        context='Asked "before" \\',
    )
    assert [b["type"] for b in note["blocks"]] == ["section", "context", "input"]
    assert note["blocks"][1]["elements"][0]["text"] == 'Asked "before" \\'
    assert tricky in note["blocks"][0]["text"]["text"]
