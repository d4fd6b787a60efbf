"""The weekly personal digest through the real runner, ledger, sender and fake Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from sqlalchemy import select

from bot.digests.models import DigestOptOut
from bot.i18n import translator
from bot.scheduling.models import Delivery, Schedule
from bot.sections import Block, DigestReader
from tests.harness import BotHarness

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)  # digests default to Monday 09:00 local


@pytest.fixture
def newsworthy(bot: BotHarness) -> set[str]:
    """A section with something to say to U1, U2 and UADMIN; the digest adds nothing itself."""
    readers = {"U1", "U2", "UADMIN"}

    def section(reader: DigestReader) -> list[Block]:
        if reader.user_id not in readers:
            return []
        line = reader.t.gettext("RevOps bot") + f" · {reader.week_start}…{reader.week_end}"
        return [SectionBlock(text=MarkdownTextObject(text=line)).to_dict()]

    bot.runtime.services.sections.digest.add(order=1, name="test", section=section)
    return readers


def dm_texts(bot: BotHarness, user: str) -> list[str]:
    return [message.get("text", "") for message in bot.fake.dms_to(user)]


def test_forced_run_twice_sends_one_digest_per_member_with_news(
    bot: BotHarness, newsworthy: set[str]
) -> None:
    bot.fake.add_user(user_id="U3", tz="Europe/Berlin", locale="de-DE")  # nothing to say to U3
    # What `revops-bot jobs run weekly-digest --team T1 --now ...` does, in this process so
    # that the test's digest section is there.
    first = bot.runtime.runner.tick("weekly-digest", now=MONDAY, team_id="T1", forced=True)
    second = bot.runtime.runner.tick("weekly-digest", now=MONDAY, team_id="T1", forced=True)
    assert (first.sent, first.nothing_to_say, second.planned, second.sent) == (3, 1, 0, 0)
    for user in newsworthy:
        assert len(bot.fake.dms_to(user)) == 1, user
    assert bot.fake.dms_to("U3") == []
    posts = bot.fake.calls("chat.postMessage")
    assert len(posts) == 3 and all(
        call.args["metadata"]["event_type"] == "revops_delivery" for call in posts
    )
    french = next(call for call in posts if call.args["channel"] == "U2")
    assert french.args["blocks"][0]["text"]["text"] == "Votre semaine avec RevOps"
    assert "Bot RevOps · 2026-11-23…2026-11-29" in str(french.args["blocks"])
    with bot.session() as session:
        statuses = {
            (row.recipient, row.status)
            for row in session.scalars(select(Delivery).where(Delivery.kind == "weekly-digest"))
        }
    assert ("U3", "skipped") in statuses and ("U1", "sent") in statuses


def test_each_member_gets_it_at_nine_in_their_own_time_zone(
    bot: BotHarness, newsworthy: set[str]
) -> None:
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=datetime(2026, 11, 23, 12, tzinfo=UTC))  # sync + schedules
    bot.fake.reset_calls()
    # U1 New York (UTC-5), U2 Paris (UTC+1), UADMIN London (UTC+0) on Monday 30 November.
    moments = {
        datetime(2026, 11, 30, 7, 59, tzinfo=UTC): set(),
        datetime(2026, 11, 30, 8, 0, tzinfo=UTC): {"U2"},
        datetime(2026, 11, 30, 9, 0, tzinfo=UTC): {"UADMIN"},
        datetime(2026, 11, 30, 13, 59, tzinfo=UTC): set(),
        datetime(2026, 11, 30, 14, 0, tzinfo=UTC): {"U1"},
    }
    for moment, expected in moments.items():
        before = {call.args["channel"] for call in bot.fake.calls("chat.postMessage")}
        runner.tick("weekly-digest", now=moment)
        after = {call.args["channel"] for call in bot.fake.calls("chat.postMessage")}
        assert after - before == expected, moment
    runner.tick("weekly-digest", now=datetime(2026, 11, 30, 23, tzinfo=UTC))
    assert len(bot.fake.calls("chat.postMessage")) == 3


def test_unsubscribe_from_the_dm_is_honoured_at_once(bot: BotHarness, newsworthy: set[str]) -> None:
    bot.runtime.runner.tick("weekly-digest", now=MONDAY, team_id="T1", forced=True)
    (digest,) = bot.fake.dms_to("U2")
    clicked = bot.action(
        "digest_unsubscribe",
        user_id="U2",
        channel_id="DU2",
        message={
            "type": "message",
            "ts": digest["ts"],
            "text": digest["text"],
            "blocks": digest["blocks"],
        },
    )
    assert clicked.status == 200
    bot.idle()  # the edit of the digest and the Home tab the click owes
    (update,) = bot.fake.calls("chat.update")
    assert "désabonné" in str(update.args["blocks"][-1])  # French user, French note
    assert not any(block.get("type") == "actions" for block in update.args["blocks"])
    assert (
        update.args["blocks"][:-1]
        == [block for block in digest["blocks"] if block.get("type") != "actions"][:-1]
    )  # what it said is kept
    assert "digest_resubscribe" in str(bot.fake.home_of("U2"))
    with bot.session() as session:
        assert session.get(DigestOptOut, ("T1", "U2")) is not None
        schedule = session.scalar(select(Schedule).where(Schedule.subject == "U2"))
        assert schedule is not None and schedule.paused

    next_week = datetime(2026, 12, 7, 15, tzinfo=UTC)  # past 09:00 for U1 in New York too
    bot.runtime.runner.tick("weekly-digest", now=next_week)
    assert len(bot.fake.dms_to("U2")) == 1  # still only last week's
    assert len(bot.fake.dms_to("U1")) == 2


def test_resubscribe_from_home_restarts_at_the_next_slot(
    bot: BotHarness, newsworthy: set[str]
) -> None:
    runner = bot.runtime.runner
    home = {"id": "VHOME", "type": "home"}
    # The listeners read the real clock: travel so that it agrees with the ticks' `now`.
    with time_machine.travel(datetime(2026, 11, 27, 10, tzinfo=UTC), tick=True):
        runner.tick("weekly-digest")  # members synced, schedules made: next is Monday 30th
        bot.action("digest_unsubscribe", user_id="U1", view=home)
        bot.idle()
    assert bot.fake.calls("chat.update") == []  # clicked in Home: no digest to edit
    assert "digest_resubscribe" in str(bot.fake.home_of("U1"))
    runner.tick("weekly-digest", now=datetime(2026, 11, 30, 15, tzinfo=UTC))
    assert bot.fake.dms_to("U1") == []
    with time_machine.travel(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), tick=True):
        bot.action("digest_resubscribe", user_id="U1", view=home)
        bot.idle()
    assert "digest_resubscribe" not in str(bot.fake.home_of("U1"))
    runner.tick("weekly-digest", now=datetime(2026, 11, 30, 16, tzinfo=UTC))
    assert bot.fake.dms_to("U1") == []  # no backlog of the week missed
    runner.tick("weekly-digest", now=datetime(2026, 12, 7, 14, 1, tzinfo=UTC))
    assert len(bot.fake.dms_to("U1")) == 1


def test_a_member_who_left_gets_nothing(bot: BotHarness, newsworthy: set[str]) -> None:
    # Slack marks the account deleted, in users.list and in the user_change event.
    left = bot.fake.add_user(user_id="UADMIN", tz="Europe/London", locale="en-GB", deleted=True)
    assert bot.event({"type": "user_change", "user": left}).status == 200
    bot.runtime.runner.tick("weekly-digest", now=MONDAY, team_id="T1", forced=True)
    assert bot.fake.dms_to("UADMIN") == []
    assert len(bot.fake.dms_to("U1")) == 1


def test_an_admin_changes_the_digest_day_for_everyone(
    bot: BotHarness, newsworthy: set[str]
) -> None:
    values = {
        "digest_weekday": {
            "digest_weekday": {"type": "static_select", "selected_option": {"value": "4"}}
        },
        "digest_hour": {
            "digest_hour": {"type": "static_select", "selected_option": {"value": "16"}}
        },
    }
    with time_machine.travel(datetime(2026, 11, 24, 10, tzinfo=UTC), tick=True):
        bot.runtime.runner.tick("weekly-digest")
        assert bot.submit("digest_settings", values, user_id="U1").status == 200
        bot.idle()
        (refusal,) = bot.fake.dms_to("U1")  # U1 is told that only admins may
        assert "Only workspace admins" in refusal["text"]
        assert bot.submit("digest_settings", values, user_id="UADMIN").status == 200
        bot.idle()
    home = json.dumps(bot.fake.home_of("UADMIN"), ensure_ascii=False)
    assert f"Friday at {translator('en').clock(16)}" in home  # "4:00 PM", as CLDR writes it
    with bot.session() as session:
        next_runs = dict(session.execute(select(Schedule.subject, Schedule.next_run_at)).all())
    # Friday 27 November, 16:00 in each member's own zone.
    assert next_runs["U2"] == datetime(2026, 11, 27, 15, tzinfo=UTC)  # Paris
    assert next_runs["U1"] == datetime(2026, 11, 27, 21, tzinfo=UTC)  # New York
    assert next_runs["UADMIN"] == datetime(2026, 11, 27, 16, tzinfo=UTC)  # London


def test_an_unsubscribe_clicked_during_a_slack_outage_still_edits_the_digest(
    bot: BotHarness, newsworthy: set[str]
) -> None:
    """The edit of the digest the button was clicked in is owed with the opt-out: Slack down
    delays it, it goes out when Slack is back."""
    bot.runtime.runner.tick("weekly-digest", now=MONDAY, team_id="T1", forced=True)
    (digest,) = bot.fake.dms_to("U1")
    bot.fake.outage(["chat.update"], 3)
    message = {"type": "message", "ts": digest["ts"], "text": digest["text"]}
    clicked = bot.action(
        "digest_unsubscribe",
        user_id="U1",
        channel_id="DU1",
        message={**message, "blocks": digest["blocks"]},
    )
    assert clicked.status == 200
    bot.fake.wait_for("chat.update", predicate=lambda call: call.ok, timeout=15)
    bot.idle()
    assert bot.fake.calls("chat.update", ok=False)  # refused while Slack was down
    (update,) = bot.fake.calls("chat.update", ok=True)
    assert update.args["ts"] == digest["ts"] and "unsubscribed" in str(update.args["blocks"])
    with bot.session() as session:
        (row,) = session.scalars(select(Delivery).where(Delivery.kind == "digest-message"))
        assert row.status == "sent" and "blocks" not in (row.payload or {})  # words forgotten
        assert session.get(DigestOptOut, ("T1", "U1")) is not None
