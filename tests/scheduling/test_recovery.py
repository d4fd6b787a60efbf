"""Uncertain sends: a row left in `sending` by a process that died during the Slack call, and a
post whose answer never came back (a timeout, a reset connection).

Both read the recipient's recent history for the post's ledger key (Slack message `metadata`):
found, the row is marked sent without posting; not found, it is sent once. When the history
cannot be read the post is made again: the README states that as the only duplicate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from sqlalchemy import select, update

from bot.scheduling.ledger import CLAIM_LEASE
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.sections import Block, DigestReader
from tests.harness import BotHarness

MONDAY_NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)  # past 09:00 in Paris and London
LATER = MONDAY_NOON + timedelta(minutes=3)  # a later tick (claims run on the wall clock)


@pytest.fixture
def everyone_has_news(bot: BotHarness) -> None:
    def section(reader: DigestReader) -> list[Block]:
        return [SectionBlock(text=MarkdownTextObject(text=f"news for {reader.user_id}")).to_dict()]

    bot.runtime.services.sections.digest.add(order=1, name="test", section=section)


def interrupted(bot: BotHarness, recipient: str) -> None:
    """Put a sent digest back as a crash leaves it: claimed, the Slack call's outcome unknown,
    by a process that died longer ago than the lease (claims run on the wall clock)."""
    with bot.session() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.kind == "weekly-digest", Delivery.recipient == recipient)
            .values(
                status=DeliveryStatus.sending,
                claimed_by="dead-host:4242",
                claimed_at=datetime.now(UTC) - CLAIM_LEASE - timedelta(minutes=1),
                parts_sent=0,
                finished_at=None,
            )
        )


def status_of(bot: BotHarness, recipient: str) -> str:
    with bot.session() as session:
        return session.scalars(
            select(Delivery.status).where(
                Delivery.kind == "weekly-digest", Delivery.recipient == recipient
            )
        ).one()


def test_a_post_slack_already_has_is_found_by_its_ledger_key_and_not_sent_again(
    bot: BotHarness, everyone_has_news: None
) -> None:
    runner = bot.runtime.runner
    assert runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True).sent == 3
    interrupted(bot, "U1")  # the post reached Slack; the process died before marking it sent
    bot.fake.reset_calls()

    report = runner.tick("weekly-digest", now=LATER, team_id="T1")

    assert report.summary()["recovered"] == 1
    (history,) = bot.fake.calls("conversations.history", ok=True)
    assert history.args["include_all_metadata"] in (True, "true", "1", 1)
    assert bot.fake.calls("chat.postMessage") == []
    assert len(bot.fake.dms_to("U1")) == 1
    assert status_of(bot, "U1") == DeliveryStatus.sent


def test_a_post_that_never_reached_slack_is_sent_once_on_recovery(
    bot: BotHarness, everyone_has_news: None
) -> None:
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    interrupted(bot, "U2")
    bot.fake.workspaces["T1"].messages["DU2"].clear()  # the crash came before Slack got it
    bot.fake.reset_calls()

    report = runner.tick("weekly-digest", now=LATER, team_id="T1")
    runner.tick("weekly-digest", now=LATER + timedelta(minutes=1), team_id="T1")

    assert report.summary()["recovered"] == 1
    assert [call.args["channel"] for call in bot.fake.calls("chat.postMessage", ok=True)] == ["U2"]
    (dm,) = bot.fake.dms_to("U2")
    assert dm["metadata"]["event_payload"]["key"] == "T1/weekly-digest/U2/2026-W49"
    assert status_of(bot, "U2") == DeliveryStatus.sent


def test_when_slack_history_cannot_be_read_the_post_is_made_again_rather_than_dropped(
    bot: BotHarness, everyone_has_news: None
) -> None:
    runner = bot.runtime.runner
    runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    interrupted(bot, "U1")
    bot.fake.fail_next("conversations.history", error="internal_error")

    runner.tick("weekly-digest", now=LATER, team_id="T1")

    assert len(bot.fake.dms_to("U1")) == 2  # the documented at-least-once case, never zero
    assert status_of(bot, "U1") == DeliveryStatus.sent
    assert {len(bot.fake.dms_to(user)) for user in ("U2", "UADMIN")} == {1}


def test_a_post_whose_answer_was_lost_is_looked_up_before_it_is_retried(
    bot: BotHarness, everyone_has_news: None
) -> None:
    bot.fake.lose_answer_next("chat.postMessage")  # Slack posts it; the bot never hears back
    runner = bot.runtime.runner

    first = runner.tick("weekly-digest", now=MONDAY_NOON, team_id="T1", forced=True)
    assert (first.sent, first.retrying) == (2, 1)  # no blind resend inside the Slack client
    (lost,) = [user for user in ("U1", "U2", "UADMIN") if status_of(bot, user) == "retry"]
    assert len(bot.fake.dms_to(lost)) == 1  # ... though Slack has it

    later = runner.tick("weekly-digest", now=MONDAY_NOON + timedelta(seconds=31), team_id="T1")

    assert later.sent == 1
    assert len(bot.fake.dms_to(lost)) == 1
    assert status_of(bot, lost) == DeliveryStatus.sent
    assert [c.args["channel"] for c in bot.fake.calls("chat.postMessage")].count(lost) == 1
