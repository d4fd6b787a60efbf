"""Scheduled intake work through `revops-bot jobs run`: SLA nudges, escalation, ask-why
reminders and auto-close, the weekly run report. Each goes through the ledger: once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.intake.ids import Action, Callback
from bot.intake.models import Status
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    REVOPS_GROUP,
    TEAM_LEAD,
    accept_values,
    act,
    blocks_text,
    card_of,
    dm_texts,
    file_request,
    note,
    reload,
    set_up_intake,
    wait_for_dm,
    wait_until,
    working_days_from_now,
)


def channel_posts(bot: BotHarness) -> list[dict]:
    """Top-level messages (a card with replies carries its own ts as thread_ts)."""
    return [m for m in bot.fake.messages(INTAKE_CHANNEL) if m.get("thread_ts") in (None, m["ts"])]


def test_sla_nudge_lists_unanswered_requests_oldest_first_once_a_day(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, sla=1)
    oldest = file_request(bot, title="Oldest request")
    newest = file_request(bot, user="U2", title="Newest request")
    answered = file_request(bot, title="Already challenged")
    act(bot, Action.ask_why, Callback.ask_why, answered, note("Why now?"))
    wait_until(lambda: reload(bot, answered.id).status == Status.waiting)
    cards = len(channel_posts(bot))

    later = working_days_from_now(3)
    assert bot.jobs_run("intake-sla-nudge", monkeypatch=monkeypatch, now=later) == 0
    (nudge,) = channel_posts(bot)[cards:]
    text = blocks_text(nudge["blocks"])
    assert f"<!subteam^{REVOPS_GROUP}>" in nudge["text"]
    assert "2 requests have had no first response" in nudge["text"]
    assert text.index("REQ-1") < text.index("REQ-2")
    assert "Already challenged" not in text
    assert oldest.number == 1 and newest.number == 2

    # Fired again the same day (a second clock, an operator): nothing new.
    assert (
        bot.jobs_run("intake-sla-nudge", monkeypatch=monkeypatch, now=later + timedelta(hours=2))
        == 0
    )
    assert len(channel_posts(bot)) == cards + 1


def test_a_request_untouched_for_a_week_is_escalated_to_the_team_lead_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    request = file_request(bot, title="Forgotten request")
    assert (
        bot.jobs_run("intake-escalation", monkeypatch=monkeypatch, now=working_days_from_now(4))
        == 0
    )
    assert dm_texts(bot, TEAM_LEAD) == []  # four working days: not yet a week

    week_later = working_days_from_now(5)
    for _ in range(2):
        assert bot.jobs_run("intake-escalation", monkeypatch=monkeypatch, now=week_later) == 0
    (escalation,) = dm_texts(bot, TEAM_LEAD)
    assert "REQ-1 “Forgotten request” has not moved for 5 working days" in escalation
    assert reload(bot, request.id).status == Status.new


def test_a_silent_requester_is_reminded_then_the_request_closes_with_a_note(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, reminder=3, auto_close=10)
    request = file_request(bot)
    act(bot, Action.ask_why, Callback.ask_why, request, note("Which regions?"))
    wait_until(lambda: reload(bot, request.id).status == Status.waiting)

    assert (
        bot.jobs_run(
            "intake-ask-why-reminder", monkeypatch=monkeypatch, now=working_days_from_now(3)
        )
        == 0
    )
    reminder = wait_for_dm(bot, "U1", "Reminder")
    assert "REQ-1" in reminder and "closes on" in reminder
    assert reload(bot, request.id).status == Status.waiting

    assert (
        bot.jobs_run(
            "intake-ask-why-auto-close", monkeypatch=monkeypatch, now=working_days_from_now(9)
        )
        == 0
    )
    assert reload(bot, request.id).status == Status.waiting  # not yet

    assert (
        bot.jobs_run(
            "intake-ask-why-auto-close", monkeypatch=monkeypatch, now=working_days_from_now(10)
        )
        == 0
    )
    closed = wait_for_dm(bot, "U1", "was closed")
    assert "no answer for 10 working days" in closed
    stored = reload(bot, request.id)
    assert stored.status == Status.withdrawn and stored.closed_at is not None
    wait_until(lambda: "Withdrawn" in blocks_text(card_of(bot, request)["blocks"]))
    wait_until(
        lambda: any(
            "Closed automatically" in m.get("text", "")
            for m in bot.fake.messages(INTAKE_CHANNEL)
            if m.get("thread_ts") == stored.card_ts
        )
    )


def test_the_weekly_run_report_counts_in_closed_deflected_and_run_hours(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, capacity=20)
    delivered = file_request(bot, title="Delivered request")
    act(bot, Action.accept, Callback.accept, delivered, accept_values(hours="8", size=None))
    wait_until(lambda: reload(bot, delivered.id).status == Status.accepted)
    act(bot, Action.done, Callback.done, delivered, note("Done."))
    answered = file_request(bot, title="Already documented")
    from tests.intake.test_docs import doc_values

    act(bot, Action.answer_doc, Callback.answer_doc, answered, doc_values())
    wait_until(lambda: reload(bot, answered.id).status == Status.answered_doc)
    wait_until(lambda: reload(bot, delivered.id).status == Status.done)
    cards = len(channel_posts(bot))

    assert (
        bot.jobs_run("intake-run-report", monkeypatch=monkeypatch, now=working_days_from_now(1))
        == 0
    )
    (report,) = channel_posts(bot)[cards:]
    text = blocks_text(report["blocks"])
    assert "Weekly run report" in text
    for expected in (
        "Requests in: *2*",
        "Closed: *2* (delivered: 1)",
        "Deflected by a doc: *1*",
        "Run hours spent: *8 h* of 20 h capacity",
    ):
        assert expected in text
