"""Who hears what when an ETA moves, over several days (time travels with time-machine).

ETAs are counted from today, so a request that waits slides a working day a day: that alone is
never news of a queue change. "More important work came first" is said only when requests of
higher priority newly came ahead; any other material move is a neutral "your ETA moved"; the
daily re-time tells a requester whose date has passed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from bot.i18n import translator_for
from bot.intake.ids import Action, Callback
from bot.intake.priority import Calendar
from bot.intake.state import FollowRef
from bot.intake.views_text import day
from tests.harness import BotHarness
from tests.intake.helpers import (
    accept_values,
    act,
    blocks_text,
    card_of,
    click,
    dm_texts,
    file_request,
    note,
    open_filing,
    reload,
    set_up_intake,
    wait_for_dm,
)

EN = translator_for("en-US")
MONDAY = date(2027, 3, 1)


def at(day_: date, hour: int = 10) -> datetime:
    return datetime(day_.year, day_.month, day_.day, hour, tzinfo=UTC)


def working_day(days: int, start: date = MONDAY) -> date:
    return Calendar().working_day_after(start, days)


def shown(days: int, start: date = MONDAY) -> str:
    return day(EN, working_day(days, start))


def test_a_day_later_an_unrelated_decline_tells_nobody_their_eta_moved(bot: BotHarness) -> None:
    with time_machine.travel(at(MONDAY), tick=True) as clock:
        set_up_intake(bot, capacity=20)  # 4 h of run a working day
        mine = file_request(bot, title="Rename a picklist value")
        act(bot, Action.accept, Callback.accept, mine, accept_values(hours="4", size=None))
        wait_for_dm(bot, "U1", f"Expected by {shown(1)}")
        unrelated = file_request(bot, user="U2", title="Unrelated request")
        told = len(dm_texts(bot, "U1"))

        # Tuesday: the request still waits, so its computed ETA slid to Wednesday. Declining a
        # request that holds no capacity moves nothing: no DM, and the card keeps its date.
        clock.move_to(at(working_day(1)))
        act(bot, Action.decline, Callback.decline, unrelated, note("Out of scope."))
        bot.idle()
        assert len(dm_texts(bot, "U2")) == 2  # receipt, then the decline (French)
        assert len(dm_texts(bot, "U1")) == told, dm_texts(bot, "U1")[told:]
        assert reload(bot, mine.id).eta_told == working_day(1)


def test_starting_lower_priority_work_is_a_neutral_eta_move(bot: BotHarness) -> None:
    with time_machine.travel(at(MONDAY), tick=True) as clock:
        set_up_intake(bot, capacity=20)
        urgent = file_request(bot, title="Quote blocks a deal", impact="blocks_deal")
        act(bot, Action.accept, Callback.accept, urgent, accept_values(hours="8", size=None))
        wait_for_dm(bot, "U1", f"Expected by {shown(2)}")
        small = file_request(bot, user="U2", title="Tiny tweak", impact="nice_to_have")
        act(bot, Action.accept, Callback.accept, small, accept_values(hours="4", size=None))
        bot.idle()
        assert reload(bot, small.id).eta_told == working_day(3)

        clock.move_to(at(working_day(1)))
        click(bot, Action.start, small)  # work already under way goes first
        moved = wait_for_dm(bot, "U1", "moved to")
        # Tuesday + 12 h at 4 h a day = Friday; was Wednesday.
        assert f"REQ-1 “Quote blocks a deal” moved to {shown(4)} (was {shown(2)})" in moved
        assert "more important" not in moved and "What comes first" not in moved
        assert reload(bot, urgent.id).eta_told == working_day(4)


def test_more_important_work_newly_ahead_is_named_and_only_it(bot: BotHarness) -> None:
    with time_machine.travel(at(MONDAY), tick=True) as clock:
        set_up_intake(bot, capacity=20)
        earlier = file_request(bot, user="U2", title="Onboarding blocked", impact="stops_team")
        act(bot, Action.accept, Callback.accept, earlier, accept_values(hours="4", size=None))
        mine = file_request(bot, title="Slow report")
        act(bot, Action.accept, Callback.accept, mine, accept_values(hours="4", size=None))
        wait_for_dm(bot, "U1", f"Expected by {shown(2)}")

        clock.move_to(at(working_day(1)))
        urgent = file_request(
            bot, user="U2", title="Secret deal", impact="blocks_deal", beneficiary="customers"
        )
        act(bot, Action.accept, Callback.accept, urgent, accept_values(hours="8", size=None))
        moved = wait_for_dm(bot, "U1", "more important work came first")
        # 16 h ahead of and including mine from Tuesday: Monday next week; was Wednesday.
        assert f"moves to {shown(5)} (was {shown(2)})" in moved
        assert "What comes first: 1 that blocks a deal from signing." in moved
        # The request that was already ahead is not a reason; nobody's details are given.
        assert "stop a team" not in moved
        assert "Secret deal" not in moved and "<@U2>" not in moved
        # The moved request's card and its requester's Home show the new date too, though
        # nobody acted on it: the channel, the DM and Home agree.
        bot.idle()
        assert f"ETA: {EN.channel_day(working_day(5, MONDAY))}" in blocks_text(
            card_of(bot, mine)["blocks"]
        )
        assert f"ETA {shown(5)}" in blocks_text(bot.fake.home_of("U1")["blocks"])


def test_a_passed_eta_is_re_timed_at_the_working_hour_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(at(MONDAY), tick=True):
        set_up_intake(bot, capacity=20)
        mine = file_request(bot, title="Rename a picklist value")
        act(bot, Action.accept, Callback.accept, mine, accept_values(hours="4", size=None))
        wait_for_dm(bot, "U1", f"Expected by {shown(1)}")
        told = len(dm_texts(bot, "U1"))
        assert "ETA" in blocks_text(card_of(bot, mine)["blocks"])

    wednesday = working_day(2)
    # Just after midnight the team is not at work yet: nothing moves.
    assert bot.jobs_run("intake-eta-retime", monkeypatch=monkeypatch, now=at(wednesday, 0)) == 0
    assert reload(bot, mine.id).eta_told == working_day(1)
    assert len(dm_texts(bot, "U1")) == told

    for _ in range(2):  # a second clock, an operator: once
        assert bot.jobs_run("intake-eta-retime", monkeypatch=monkeypatch, now=at(wednesday)) == 0
    retimed = wait_for_dm(bot, "U1", "is not done yet")
    assert f"was expected by {shown(1)}" in retimed
    assert f"now expected by {shown(3)}" in retimed  # Wednesday + 4 h = Thursday
    assert len(dm_texts(bot, "U1")) == told + 1
    assert reload(bot, mine.id).eta_told == working_day(3)
    assert f"ETA: {EN.channel_day(working_day(3, MONDAY))}" in blocks_text(
        card_of(bot, mine)["blocks"]
    )
    home = bot.fake.home_of("U1")
    assert home and f"ETA {shown(3)}" in blocks_text(home["blocks"])


def test_a_watcher_hears_the_eta_move_the_requester_hears(bot: BotHarness) -> None:
    """Someone who followed a request (instead of filing the same need) is told when more
    important work moves its ETA, as its requester is, in the same words after their own
    first line."""
    with time_machine.travel(at(MONDAY), tick=True) as clock:
        set_up_intake(bot, capacity=20)
        bot.fake.add_user(user_id="U4", real_name="Manager U4", locale="en-US")
        mine = file_request(bot, title="Slow report")
        act(bot, Action.accept, Callback.accept, mine, accept_values(hours="4", size=None))
        wait_for_dm(bot, "U1", f"Expected by {shown(1)}")
        view = open_filing(bot, user="U4")
        follow = FollowRef(request_id=mine.id).model_dump_json()
        bot.action(f"{Action.follow}_{mine.id}", follow, view=view, user_id="U4")
        bot.idle()

        clock.move_to(at(working_day(1)))
        urgent = file_request(
            bot, user="U2", title="Secret deal", impact="blocks_deal", beneficiary="customers"
        )
        act(bot, Action.accept, Callback.accept, urgent, accept_values(hours="8", size=None))
        told = wait_for_dm(bot, "U1", "more important work came first")
        heard = wait_for_dm(bot, "U4", "more important work came first")
        assert heard.startswith("News of REQ-1 “Slow report”, which you follow")
        moved = told[told.index("moves to") :].split(".")[0]
        assert f"It {moved}" in heard and "Secret deal" not in heard
        # Addressed to a follower: "it moves up", not the requester's "yours moves up".
        assert "your request" not in heard.lower() and "yours" not in heard
