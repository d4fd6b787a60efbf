"""What the ledger offers a kind beyond posts: reactions as sends, a hook when a row fails for
good, and a failed one-off message owed again once its cause is fixed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.outbox.kinds import OutboxKind
from bot.outbox.service import owe_again, owe_message
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Delivery
from bot.slack.sender import Outgoing, OutgoingMessage, Reaction
from tests.harness import BotHarness

KIND = "test-notice"


class Notice(OutboxKind):
    """Posts its payload's text in its recipient channel, or reacts to a message."""

    name = KIND

    def __init__(self, *, hook_fails: bool = False) -> None:
        self.failures: list[tuple[str, str]] = []
        self.hook_fails = hook_fails

    def resendable(self, delivery: Delivery) -> bool:
        return "react_to" in (delivery.payload or {})

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        if "react_to" in payload:
            return [Reaction(channel=delivery.recipient, ts=payload["react_to"], name="tada")]
        return [OutgoingMessage(channel=delivery.recipient, text=payload["text"])]

    def on_failed(self, ctx: JobContext, delivery: Delivery, reason: str) -> None:
        self.failures.append((delivery.recipient, reason))
        owe_message(  # written in the failure's transaction, undone if the hook raises
            session=ctx.session,
            kind=KIND,
            team_id=delivery.team_id,
            recipient="C1",
            key=f"about-{delivery.id}",
            payload={"text": f"could not post in {delivery.recipient}: {reason}"},
            now=ctx.now,
        )
        if self.hook_fails:
            raise RuntimeError("a bug in the hook")


def owe(bot: BotHarness, recipient: str, key: str, **payload: str) -> None:
    with bot.session() as session:
        owe_message(
            session=session,
            kind=KIND,
            team_id="T1",
            recipient=recipient,
            key=key,
            payload=payload,
            now=datetime.now(UTC),
        )


def statuses(bot: BotHarness) -> dict[str, str]:
    with bot.session() as session:
        return {
            row.period: row.status
            for row in session.scalars(select(Delivery).where(Delivery.kind == KIND))
        }


@pytest.fixture
def notice(bot: BotHarness) -> Notice:
    kind = Notice()
    bot.runtime.runner.kinds[KIND] = kind
    bot.runtime.outbox.kinds.append(KIND)
    return kind


def test_a_reaction_is_a_send_and_twice_is_once(bot: BotHarness, notice: Notice) -> None:
    owe(bot, "C1", "post", text="We won")
    bot.idle()
    (post,) = bot.fake.messages("C1")
    owe(bot, "C1", "react", react_to=post["ts"])
    owe(bot, "C1", "react-again", react_to=post["ts"])  # Slack says already_reacted
    bot.idle()
    assert statuses(bot) == {"post": "sent", "react": "sent", "react-again": "sent"}
    assert [r["name"] for r in bot.fake.messages("C1")[0]["reactions"]] == ["tada"]


def test_a_row_failed_for_good_calls_the_hook_in_its_transaction(
    bot: BotHarness, notice: Notice
) -> None:
    owe(bot, "CGONE", "post", text="We won")
    bot.idle()
    assert notice.failures == [("CGONE", "channel_not_found")]
    assert statuses(bot)["post"] == "failed"
    (said,) = bot.fake.messages("C1")  # what the hook owed went out too
    assert said["text"] == "could not post in CGONE: channel_not_found"


def test_a_hook_that_raises_is_undone_and_the_failure_still_recorded(bot: BotHarness) -> None:
    bot.runtime.runner.kinds[KIND] = Notice(hook_fails=True)
    bot.runtime.outbox.kinds.append(KIND)
    owe(bot, "CGONE", "post", text="We won")
    bot.idle()
    assert statuses(bot) == {"post": "failed"}  # nothing the hook wrote
    assert bot.fake.messages("C1") == []


def test_a_failed_message_owed_again_is_sent_once_its_cause_is_fixed(
    bot: BotHarness, notice: Notice
) -> None:
    owe(bot, "CLATER", "post", text="We won")
    bot.idle()
    assert statuses(bot)["post"] == "failed"
    bot.fake.add_channel(channel_id="CLATER", name="later")
    with bot.session() as session:
        row = session.scalars(
            select(Delivery).where(Delivery.kind == KIND, Delivery.period == "post")
        ).one()
        owe_again(session=session, delivery=row, now=datetime.now(UTC))
    bot.idle()  # the commit hands it to the dispatcher, as any owed row
    assert statuses(bot)["post"] == "sent"
    assert [m["text"] for m in bot.fake.messages("CLATER")] == ["We won"]
