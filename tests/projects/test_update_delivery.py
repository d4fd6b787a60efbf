"""An update is stored and its post owed in one transaction: the outbox delivers the post, in
place of the check-in card, through Slack's outages and refusals."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.projects.effects import MESSAGE_KIND
from bot.projects.ids import ProjectAction
from bot.projects.models import Checkin
from bot.scheduling.models import Delivery
from tests.harness import BotHarness
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    all_text,
    click,
    create_project,
    fire_checkin,
    last_view,
    next_weekday,
    submit,
    today,
    update_values,
)


def submit_update(bot: BotHarness, card: dict) -> None:
    values = update_values(bot, win_rate="24", france="live")
    opened = len(bot.fake.calls("views.open"))
    assert click(bot, card, ProjectAction.post_update).status == 200
    modal = last_view(bot, opened + 1)
    assert ack_errors(submit(bot, modal, values)) == {}  # the form closes


def update_row(bot: BotHarness) -> Delivery:
    with bot.session() as session:
        row = session.scalar(
            select(Delivery).where(
                Delivery.kind == MESSAGE_KIND,
                Delivery.recipient == PROJECT_CHANNEL,
                Delivery.period.like("update-%"),
            )
        )
        assert row is not None
        return row


def test_an_update_made_during_a_slack_outage_replaces_the_card_once_slack_is_back(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    bot.fake.outage(["chat.update", "chat.postMessage"], seconds=1.0, mode="error")

    submit_update(bot, card)
    bot.idle()  # the post waits for its retry
    with bot.session() as session:
        assert session.scalar(select(Checkin.status)) == "posted"  # stored all the same
    assert update_row(bot).status == "retry"

    bot.fake.wait_for("chat.update", predicate=lambda call: call.ok, timeout=10)
    bot.idle()
    shown = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])
    assert "CPQ roll-out: At risk" in all_text(shown["blocks"])
    assert len([m for m in bot.fake.messages(PROJECT_CHANNEL) if "At risk" in m["text"]]) == 1
    with bot.session() as session:
        assert session.scalar(select(Checkin.update_ts)) == card["ts"]
    assert update_row(bot).status == "sent"
    assert bot.fake.dms_to("U1") == []


def test_an_update_whose_checkin_card_was_deleted_is_posted_anew(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    WebClient(base_url=bot.fake.url, token="xoxb-test").chat_delete(
        channel=PROJECT_CHANNEL, ts=card["ts"]
    )

    submit_update(bot, card)
    (post,) = bot.fake.wait_for(
        "chat.postMessage",
        timeout=10,
        predicate=lambda call: call.ok and "At risk" in call.args.get("text", ""),
    )
    bot.idle()
    assert [call.error for call in bot.fake.calls("chat.update")] == ["message_not_found"]
    assert post.args["channel"] == PROJECT_CHANNEL
    with bot.session() as session:
        assert session.scalar(select(Checkin.update_ts)) == post.response["ts"]  # type: ignore[index]


def test_an_update_slack_refuses_for_good_is_told_to_its_author(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    # Someone removed the bot from the project's channel.
    bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout", is_member=False)

    submit_update(bot, card)
    bot.idle()

    assert [call.error for call in bot.fake.calls("chat.update")] == ["not_in_channel"]
    assert update_row(bot).status == "failed"
    (told,) = bot.fake.dms_to("U1")
    assert "Your update of *CPQ roll-out* is saved" in told["text"]
    assert "/invite @RevOps bot" in told["text"]
    with bot.session() as session:
        checkin = session.scalar(select(Checkin))
        assert checkin is not None and checkin.status == "posted" and checkin.update_ts is None
