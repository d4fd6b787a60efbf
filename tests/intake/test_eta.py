"""Prioritise and communicate end to end: accept with an ETA, ETA moves, deprioritised notices,
done with "did this solve it?" and reopening."""

from __future__ import annotations

from bot.i18n import Translator, translator_for
from bot.intake.ids import Action, Callback
from bot.intake.models import Status
from bot.intake.priority import Calendar
from bot.intake.views_text import day
from tests.harness import BotHarness
from tests.intake.helpers import (
    REVOPS_MEMBER,
    accept_values,
    act,
    blocks_text,
    card_of,
    click,
    dm_texts,
    file_request,
    note,
    reload,
    set_up_intake,
    team_today,
    wait_for_dm,
)

EN = translator_for("en-US")
FR = translator_for("fr-FR")  # U2's Slack locale


def in_working_days(days: int, t: Translator = EN) -> str:
    return day(t, Calendar().working_day_after(team_today(), days))


def test_accepting_sets_estimate_and_assignee_and_tells_the_eta(bot: BotHarness) -> None:
    set_up_intake(bot, capacity=20)  # 4 hours of run a working day
    request = file_request(bot)
    act(bot, Action.accept, Callback.accept, request, accept_values(hours="6", size=None))

    told = wait_for_dm(bot, "U1", "is accepted")
    assert "<@U3> will handle it" in told
    assert f"Expected by {in_working_days(2)}" in told  # 6 h at 4 h a day
    stored = reload(bot, request.id)
    assert (stored.status, stored.estimate_hours, stored.assignee_id) == (
        Status.accepted,
        6.0,
        REVOPS_MEMBER,
    )
    assert stored.eta_told == Calendar().working_day_after(team_today(), 2)
    card = card_of(bot, request)
    assert "ETA" in blocks_text(card["blocks"])
    assert "Estimate: 6 h" in blocks_text(card["blocks"])


def test_more_important_work_pushes_an_eta_and_the_requester_learns_what_comes_first(
    bot: BotHarness,
) -> None:
    set_up_intake(bot, capacity=20)
    small = file_request(bot, title="Rename a picklist value", impact="nice_to_have")
    act(bot, Action.accept, Callback.accept, small, accept_values(hours="4", size=None))
    wait_for_dm(bot, "U1", f"Expected by {in_working_days(1)}")

    urgent = file_request(
        bot,
        user="U2",
        title="Secret acquisition deal quote",
        impact="blocks_deal",
        beneficiary="customers",
    )
    act(bot, Action.accept, Callback.accept, urgent, accept_values(hours="16", size=None))

    moved = wait_for_dm(bot, "U1", "moves to")
    assert f"moves to {in_working_days(5)} (was {in_working_days(1)})" in moved
    assert "What comes first: 1 that blocks a deal from signing." in moved
    # Never other people's private details.
    assert "Secret acquisition" not in moved and "<@U2>" not in moved
    assert reload(bot, small.id).eta_told == Calendar().working_day_after(team_today(), 5)
    accepted = wait_for_dm(bot, "U2", in_working_days(4, FR))
    assert "REQ-2" in accepted

    # The urgent request is declined after all: the small one moves back, and that is news too.
    act(bot, Action.decline, Callback.decline, urgent, note("Legal does the quote."))
    good = wait_for_dm(bot, "U1", "Good news")
    assert f"now expected by {in_working_days(1)} (was {in_working_days(5)})" in good

    # A queue change that does not move it by a working day stays quiet.
    told_before = len(dm_texts(bot, "U1"))
    later = file_request(bot, user="U2", title="Tiny fix", impact="nice_to_have")
    act(bot, Action.accept, Callback.accept, later, accept_values(hours="1", size=None))
    bot.idle()
    assert len([m for m in dm_texts(bot, "U2") if "REQ-3" in m]) == 2
    assert len(dm_texts(bot, "U1")) == told_before


def test_done_asks_if_it_solved_it_and_no_reopens_the_request(bot: BotHarness) -> None:
    set_up_intake(bot)
    request = file_request(bot)
    act(bot, Action.accept, Callback.accept, request, accept_values())
    wait_for_dm(bot, "U1", "is accepted")
    click(bot, Action.start, request)
    wait_for_dm(bot, "U1", "Work started")
    assert reload(bot, request.id).status == Status.in_progress

    act(bot, Action.done, Callback.done, request, note("Dashboard shared in your folder."))
    wait_for_dm(bot, "U1", "is done")
    done_dm = next(m for m in bot.fake.dms_to("U1") if "is done" in m["text"])
    assert "Did this solve it?" in blocks_text(done_dm["blocks"])
    assert reload(bot, request.id).status == Status.done
    assert not [b for b in card_of(bot, request)["blocks"] if b["type"] == "actions"]

    bot.action(
        Action.solved_no, _value(request.id), user_id="U1", channel_id="DU1", message=done_dm
    )
    bot.idle()
    assert "reopened" in _dm_now(bot, done_dm["ts"])
    assert reload(bot, request.id).status == Status.accepted
    wait_for_dm(bot, "U1", "is expected by")  # a fresh ETA
    assert [b for b in card_of(bot, request)["blocks"] if b["type"] == "actions"]

    bot.action(
        Action.solved_no, _value(request.id), user_id="U1", channel_id="DU1", message=done_dm
    )
    (refusal,) = bot.fake.wait_for("response_url")
    assert refusal.args["text"] == "REQ-1 is already accepted: nothing was changed."

    act(bot, Action.done, Callback.done, request, note("Fixed the filter too."))
    bot.idle()
    assert reload(bot, request.id).status == Status.done
    done_again = [
        m for m in bot.fake.dms_to("U1") if "is done" in m["text"] and m["ts"] != done_dm["ts"]
    ]
    assert done_again
    second = done_again[0]
    bot.action(
        Action.solved_yes, _value(request.id), user_id="U1", channel_id="DU1", message=second
    )
    bot.idle()
    assert "solved" in _dm_now(bot, second["ts"])
    assert reload(bot, request.id).solved is True
    bot.action(
        Action.solved_yes, _value(request.id), user_id="U1", channel_id="DU1", message=second
    )
    refusals = bot.fake.wait_for("response_url", count=2)
    assert refusals[-1].args["text"] == "REQ-1 is already marked as solved. Thanks!"


def _value(request_id: int) -> str:
    from tests.intake.helpers import value

    return value(request_id)


def _dm_now(bot: BotHarness, ts: str) -> str:
    return next((m["text"] for m in bot.fake.dms_to("U1") if m["ts"] == ts), "")
