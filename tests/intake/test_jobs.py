"""Scheduled intake work through `revops-bot jobs run`: SLA nudges, escalation, ask-why
reminders and auto-close, the weekly run report. Each goes through the ledger: once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.intake.ids import Action, Callback
from bot.intake.models import Status
from bot.intake.reads import history
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    REVOPS_GROUP,
    TEAM_LEAD,
    TEAM_TZ,
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
    wait_for_dm,
    working_days_from_now,
)


@pytest.fixture(autouse=True)
def _monday_noon_utc() -> Iterator[None]:
    """Requests are filed on a Monday at noon UTC: the same date in Paris and New York, so the
    local days counted below do not depend on when the suite runs."""
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=UTC), tick=True):
        yield


def channel_posts(bot: BotHarness) -> list[dict]:
    """Top-level messages (a card with replies carries its own ts as thread_ts)."""
    return [m for m in bot.fake.messages(INTAKE_CHANNEL) if m.get("thread_ts") in (None, m["ts"])]


def paris(moment: datetime, hour: int, minute: int = 0) -> datetime:
    """That day at hour:minute in the team's zone (Europe/Paris, set up by set_up_intake)."""
    local = datetime.combine(moment.date(), time(hour, minute), ZoneInfo(TEAM_TZ))
    return local.astimezone(UTC)


def test_sla_nudge_lists_unanswered_requests_oldest_first_once_a_day_at_the_teams_hour(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, sla=1)
    oldest = file_request(bot, title="Oldest request")
    newest = file_request(bot, user="U2", title="Newest request")
    answered = file_request(bot, title="Already challenged")
    act(bot, Action.ask_why, Callback.ask_why, answered, note("Why now?"))
    bot.idle()
    assert reload(bot, answered.id).status == Status.waiting
    cards = len(channel_posts(bot))

    later = working_days_from_now(3)
    # Just after midnight UTC, and at 08:59 in Paris, the team is not at work: nothing.
    just_after_midnight = datetime.combine(later.date(), time(0, 5), UTC)
    for early in (just_after_midnight, paris(later, 8, 59)):
        assert bot.jobs_run("intake-sla-nudge", monkeypatch=monkeypatch, now=early) == 0
    assert len(channel_posts(bot)) == cards

    assert bot.jobs_run("intake-sla-nudge", monkeypatch=monkeypatch, now=paris(later, 9)) == 0
    (nudge,) = channel_posts(bot)[cards:]
    text = blocks_text(nudge["blocks"])
    assert f"<!subteam^{REVOPS_GROUP}>" in nudge["text"]
    assert "2 requests have had no first response" in nudge["text"]
    assert text.index("REQ-1") < text.index("REQ-2")
    assert "Already challenged" not in text
    assert oldest.number == 1 and newest.number == 2

    # Fired again the same day (a second clock, an operator): nothing new.
    assert bot.jobs_run("intake-sla-nudge", monkeypatch=monkeypatch, now=paris(later, 15)) == 0
    assert len(channel_posts(bot)) == cards + 1


def test_untouched_requests_reach_the_team_lead_in_one_message_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, capacity=20)  # 4 h of run a working day
    forgotten = file_request(bot, title="Forgotten request")
    stalled = file_request(bot, title="Stalled work")
    act(bot, Action.accept, Callback.accept, stalled, accept_values(hours="2", size=None))
    bot.idle()
    assert reload(bot, stalled.id).status == Status.accepted
    click(bot, Action.start, stalled)
    bot.idle()
    assert reload(bot, stalled.id).status == Status.in_progress
    next_up = file_request(bot, title="Next in line", impact="blocks_deal")
    behind = file_request(bot, title="Waits its turn", impact="nice_to_have")
    for request, hours in ((next_up, "8"), (behind, "4")):
        act(bot, Action.accept, Callback.accept, request, accept_values(hours=hours, size=None))
        bot.idle()
        assert reload(bot, request.id).status == Status.accepted

    assert (
        bot.jobs_run("intake-escalation", monkeypatch=monkeypatch, now=working_days_from_now(4))
        == 0
    )
    assert dm_texts(bot, TEAM_LEAD) == []  # four working days: not yet a week

    week_later = working_days_from_now(5)
    assert bot.jobs_run("intake-escalation", monkeypatch=monkeypatch, now=paris(week_later, 1)) == 0
    assert dm_texts(bot, TEAM_LEAD) == []  # the lead's night
    for _ in range(2):
        assert bot.jobs_run("intake-escalation", monkeypatch=monkeypatch, now=week_later) == 0
    (escalation,) = bot.fake.dms_to(TEAM_LEAD)
    assert "3 requests have not moved for a week" in escalation["text"]
    listed = blocks_text(escalation["blocks"])
    for request in (forgotten, stalled, next_up):
        assert f"*REQ-{request.number}* {request.title}" in listed
    assert "no move for 5 working days" in listed
    # Accepted behind 10 h of work (more than a day of run): waiting its turn, not forgotten.
    assert "Waits its turn" not in listed
    assert reload(bot, forgotten.id).status == Status.new

    # The next working day: nothing new to say (they were escalated, nothing moved since).
    next_day = working_days_from_now(6)
    assert bot.jobs_run("intake-escalation", monkeypatch=monkeypatch, now=next_day) == 0
    assert len(bot.fake.dms_to(TEAM_LEAD)) == 1


def test_a_silent_requester_is_reminded_then_the_request_closes_with_a_note(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, reminder=3, auto_close=10)
    request = file_request(bot)
    act(bot, Action.ask_why, Callback.ask_why, request, note("Which regions?"))
    bot.idle()
    assert reload(bot, request.id).status == Status.waiting

    # U1 lives in New York: 10:00 UTC is 5 in the morning there, a reminder waits for 9:00.
    early = working_days_from_now(3, hour=10)
    assert bot.jobs_run("intake-ask-why-reminder", monkeypatch=monkeypatch, now=early) == 0
    assert not [text for text in dm_texts(bot, "U1") if "Reminder" in text]
    assert (
        bot.jobs_run(
            "intake-ask-why-reminder",
            monkeypatch=monkeypatch,
            now=working_days_from_now(3, hour=15),
        )
        == 0
    )
    reminder = wait_for_dm(bot, "U1", "Reminder")
    assert "REQ-1" in reminder and "closes on" in reminder
    assert reload(bot, request.id).status == Status.waiting

    assert (
        bot.jobs_run(
            "intake-ask-why-auto-close",
            monkeypatch=monkeypatch,
            now=working_days_from_now(9, hour=15),
        )
        == 0
    )
    assert reload(bot, request.id).status == Status.waiting  # not yet

    assert (
        bot.jobs_run(
            "intake-ask-why-auto-close",
            monkeypatch=monkeypatch,
            now=working_days_from_now(10, hour=15),
        )
        == 0
    )
    closed = wait_for_dm(bot, "U1", "was closed")
    assert "no answer for 10 working days" in closed
    stored = reload(bot, request.id)
    assert stored.status == Status.withdrawn and stored.closed_at is not None
    with bot.session() as session:
        (closing,) = [e for e in history(session=session, team_id="T1", request_id=request.id)][-1:]
    assert closing.actor_id is None  # the bot
    assert closing.note == "Closed automatically: no answer from the requester for 10 working days."
    assert "Withdrawn" in blocks_text(card_of(bot, request)["blocks"])
    assert any(
        "Closed automatically" in m.get("text", "")
        for m in bot.fake.messages(INTAKE_CHANNEL)
        if m.get("thread_ts") == stored.card_ts
    )


def test_the_weekly_run_report_counts_in_closed_deflected_and_run_hours(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, capacity=20)
    delivered = file_request(bot, title="Delivered request")
    act(bot, Action.accept, Callback.accept, delivered, accept_values(hours="8", size=None))
    bot.idle()
    assert reload(bot, delivered.id).status == Status.accepted
    act(bot, Action.done, Callback.done, delivered, note("Done."))
    answered = file_request(bot, title="Already documented")
    from tests.intake.test_docs import doc_values

    act(bot, Action.answer_doc, Callback.answer_doc, answered, doc_values())
    bot.idle()
    assert reload(bot, answered.id).status == Status.answered_doc
    assert reload(bot, delivered.id).status == Status.done
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

    # The last eight weeks, drawn: one PNG shown by the report's message (an image block
    # naming the file, shared nowhere else), the week in its alt text; a second run of the
    # same week posts and uploads nothing more.
    (chart,) = bot.fake.images_shown(INTAKE_CHANNEL)
    assert chart.channel_id is None and report["blocks"][-1]["type"] == "image"
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert 10_000 < len(chart.content) < 2_000_000
    assert chart.filename.startswith("run-report-") and chart.filename.endswith(".png")
    assert chart.alt_text is not None and "8 run hours of 20; 2 requests received" in chart.alt_text
    assert (
        bot.jobs_run("intake-run-report", monkeypatch=monkeypatch, now=working_days_from_now(1))
        == 0
    )
    assert len(bot.fake.uploaded_files) == 1 and len(channel_posts(bot)) == cards + 1
