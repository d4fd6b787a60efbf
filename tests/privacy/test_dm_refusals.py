"""One check before every DM: nobody writes to a member who left Slack, nor to a pseudonym.

Intake's DMs (decline, ETA news, an answer with a doc) and the runner's scheduled sends go
through the same `dm_refusal`; an erasure cancels what was still due to the erased member, so
nothing shows up to admins as a failed send."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.intake.ids import Action, Callback
from bot.intake.models import Status
from bot.privacy.service import pseudonym
from bot.scheduling.models import Delivery
from bot.workspaces.models import Member
from tests.harness import BotHarness
from tests.intake.helpers import (
    accept_values,
    act,
    card_updates,
    dm_texts,
    file_request,
    note,
    reload,
    set_up_intake,
    wait_for_dm,
    working_days_from_now,
)
from tests.intake.test_docs import doc_values


def posts_to(bot: BotHarness, user: str) -> list[str]:
    return [
        call.args.get("text", "")
        for call in bot.fake.calls("chat.postMessage")
        if call.args.get("channel") in (user, f"D{user}")
    ]


def test_a_member_who_left_slack_gets_no_decline_no_eta_news_and_no_answer(
    bot: BotHarness,
) -> None:
    set_up_intake(bot, capacity=20)
    small = file_request(bot, title="Rename a picklist value", impact="nice_to_have")
    act(bot, Action.accept, Callback.accept, small, accept_values(hours="4", size=None))
    wait_for_dm(bot, "U1", "is accepted")
    to_decline = file_request(bot, title="Export every contact")
    to_answer = file_request(bot, title="Pipeline by region dashboard")

    left = {
        "id": "U1",
        "name": "alice",
        "deleted": True,
        "tz": "America/New_York",
        "profile": {"display_name": "alice"},
    }
    assert bot.event({"type": "user_change", "user": left}).status == 200

    def gone() -> bool:
        with bot.session() as session:
            member = session.get(Member, ("T1", "U1"))
            return bool(member and member.deleted)

    bot.idle()  # what was owed before they left (the last receipt) is out: count from there
    assert gone()
    told_before = len(posts_to(bot, "U1"))
    eta_before = reload(bot, small.id).eta_told

    act(bot, Action.decline, Callback.decline, to_decline, note("Out of scope for RevOps."))
    act(bot, Action.answer_doc, Callback.answer_doc, to_answer, doc_values())
    urgent = file_request(
        bot,
        user="U2",
        title="Quote for a deal",
        need="Initech signs on Friday if legal gets it",
        impact="blocks_deal",
        beneficiary="customers",
    )
    act(bot, Action.accept, Callback.accept, urgent, accept_values(hours="16", size=None))

    bot.idle()
    # The work went on (cards updated, the other requester told) ...
    assert card_updates(bot, to_decline) and card_updates(bot, to_answer)
    assert [text for text in dm_texts(bot, "U2") if "REQ-4" in text]
    assert reload(bot, to_decline.id).status == Status.declined
    assert reload(bot, small.id).eta_told != eta_before  # its ETA did move
    # ... and nothing reached the member who left.
    assert posts_to(bot, "U1")[told_before:] == []


def test_erasing_a_waiting_requester_leaves_no_failed_send_for_the_admins(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, reminder=3, auto_close=10)
    request = file_request(bot)
    act(bot, Action.ask_why, Callback.ask_why, request, note("Which regions?"))
    wait_for_dm(bot, "U1", "asks about your request REQ-1")

    # The first reminder meets a Slack hiccup and waits for its retry ...
    bot.fake.fail_next("chat.postMessage", "internal_error")
    reminder_day = working_days_from_now(3, hour=15)  # 10:00 in New York, where U1 lives
    assert bot.jobs_run("intake-ask-why-reminder", monkeypatch=monkeypatch, now=reminder_day) == 0
    reminders = select(Delivery).where(Delivery.kind == "intake-ask-why-reminder")
    with bot.session() as session:
        assert [d.status for d in session.scalars(reminders)] == ["retry"]

    # ... when the requester's data is erased: the retry is cancelled, not failed later.
    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", "U1", "--yes", monkeypatch=monkeypatch
        )
        == 0
    )
    alias = pseudonym(team_id="T1", user_id="U1", secret=None)
    with bot.session() as session:
        (cancelled,) = session.scalars(reminders).all()
        assert (cancelled.status, cancelled.error) == ("skipped", "recipient erased")
    # The request now names a pseudonym: later runs have nobody to remind.
    for hours in (1, 2):
        later = reminder_day.replace(hour=reminder_day.hour + hours)
        assert bot.jobs_run("intake-ask-why-reminder", monkeypatch=monkeypatch, now=later) == 0
    with bot.session() as session:
        outcomes = {(d.recipient, d.status, d.error) for d in session.scalars(reminders)}
    assert outcomes == {(alias, "skipped", "recipient erased")}
    assert not [c for c in bot.fake.calls("chat.postMessage") if c.args.get("channel") == alias]

    bot.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    (home,) = bot.fake.wait_for("views.publish", predicate=lambda c: c.args["user_id"] == "UADMIN")
    assert "could not be sent" not in json.dumps(home.args["view"])
