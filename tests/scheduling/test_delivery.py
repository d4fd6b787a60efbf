"""Delivery through the real runner: Slack's 429s, failures and retries, catch-up after downtime.

The weekly digest is the kind used here (a per-member cadence, a DM each); a test section gives
every member something to say, so what is measured is the scheduling machinery itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from sqlalchemy import select

from bot.scheduling.models import Delivery, DeliveryStatus
from bot.sections import Block, DigestReader
from tests.harness import BotHarness

MONDAY_NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)  # past 09:00 in Paris and London


@pytest.fixture
def everyone_has_news(bot: BotHarness) -> None:
    def section(reader: DigestReader) -> list[Block]:
        return [SectionBlock(text=MarkdownTextObject(text=f"news for {reader.user_id}")).to_dict()]

    bot.runtime.services.sections.digest.add(order=1, name="test", section=section)


def ledger(bot: BotHarness) -> dict[str, str]:
    with bot.session() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == "weekly-digest"))
        return {row.recipient: row.status for row in rows}


def test_slack_429_is_waited_out_and_nothing_is_sent_twice(
    bot: BotHarness, everyone_has_news: None
) -> None:
    for n in range(6):
        bot.fake.add_user(user_id=f"UR{n}", tz="Europe/Paris", locale="en-US")
    # Slack is stricter than the bot's pacing here: it answers 429 with Retry-After.
    bot.fake.set_rate_limit("chat.postMessage", per_team_per_minute=120, burst=3)
    report = bot.runtime.runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    assert bot.fake.ratelimited_count > 0
    assert (report.sent, report.failed, report.retrying) == (9, 0, 0)
    recipients = [call.args["channel"] for call in bot.fake.calls("chat.postMessage", ok=True)]
    assert len(recipients) == len(set(recipients)) == 9


def test_a_failed_send_is_retried_with_backoff_then_sent(
    bot: BotHarness, everyone_has_news: None
) -> None:
    bot.fake.fail_next("chat.postMessage", error="internal_error", times=2)
    runner = bot.runtime.runner
    first = runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    assert (first.sent, first.retrying) == (1, 2)
    again_too_soon = runner.tick("weekly-digest", now=MONDAY_NOON + timedelta(seconds=10))
    assert again_too_soon.sent == 0
    after_backoff = runner.tick("weekly-digest", now=MONDAY_NOON + timedelta(seconds=31))
    assert after_backoff.sent == 2
    assert set(ledger(bot).values()) == {DeliveryStatus.sent}
    assert {len(bot.fake.dms_to(user)) for user in ("U1", "U2", "UADMIN")} == {1}


def test_a_send_slack_will_never_accept_fails_at_once_and_admins_see_it(
    bot: BotHarness, everyone_has_news: None
) -> None:
    bot.fake.add_user(user_id="UGONE", tz="Europe/Paris", locale="en-US")
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=MONDAY_NOON - timedelta(days=7), team_id="T1")  # sync
    bot.fake.fail_next("chat.postMessage", error="account_inactive", times=1)
    with bot.session() as session:  # make UGONE the first in line
        session.execute(
            Delivery.__table__.delete().where(Delivery.recipient == "UGONE")  # type: ignore[attr-defined]
        )
    report = runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    assert report.failed == 1 and report.sent == 3
    assert list(ledger(bot).values()).count(DeliveryStatus.failed) == 1
    bot.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home"})
    (home,) = bot.fake.wait_for("views.publish")
    assert "could not be sent" in str(home.args["view"]) and "account_inactive" in str(
        home.args["view"]
    )
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    member_home = bot.fake.wait_for("views.publish", count=2)[1]
    assert "could not be sent" not in str(member_home.args["view"])  # admins only


def test_downtime_is_caught_up_once_and_a_stale_week_is_skipped(
    bot: BotHarness, everyone_has_news: None
) -> None:
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=datetime(2026, 11, 20, 12, tzinfo=UTC))  # schedules made
    # Every process was down from Friday 20 November to Wednesday 2 December: the digests of Monday
    # 23 November and Monday 30 November were missed; the latest is still within its week.
    report = runner.tick("weekly-digest", now=datetime(2026, 12, 2, 12, tzinfo=UTC))
    assert report.sent == 3 and report.skipped == 3
    with bot.session() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.recipient, Delivery.period))
        by_period = {(row.recipient, row.period): row.status for row in rows}
    assert by_period[("U2", "2026-W48")] == DeliveryStatus.skipped
    assert by_period[("U2", "2026-W49")] == DeliveryStatus.sent
    assert {len(bot.fake.dms_to(user)) for user in ("U1", "U2", "UADMIN")} == {1}
    # Ticking again, or twice at once, changes nothing.
    assert runner.tick("weekly-digest", now=datetime(2026, 12, 2, 12, 1, tzinfo=UTC)).sent == 0
