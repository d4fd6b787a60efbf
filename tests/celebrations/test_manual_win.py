"""/revops-win end to end: the modal, validation, the card in the channel, exactly once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.celebrations.handlers import open_win_modal
from bot.celebrations.ids import WinAction, WinBlock, WinCallback
from bot.celebrations.prefill import WinPrefill
from bot.scheduling.models import Delivery
from tests.celebrations.helpers import (
    block_text,
    channel_posts,
    configure,
    settings_values,
    wins,
)
from tests.harness import BotHarness
from tests.slack.signing import state_value


def form(
    *,
    winners: list[str],
    title: str = "ACME signs for 3 years",
    amount: str = "",
    currency: str = "",
    kind: str = "deal_signed",
    message: str = "",
) -> dict[str, dict[str, Any]]:
    return {
        WinBlock.winners: {WinAction.winners: state_value("multi_users_select", winners)},
        WinBlock.kind: {WinAction.kind: state_value("static_select", kind)},
        WinBlock.win_title: {WinAction.win_title: title},
        WinBlock.amount: {WinAction.amount: amount},
        WinBlock.currency: {WinAction.currency: currency},
        WinBlock.message: {WinAction.message: message},
    }


def open_modal(bot: BotHarness, text: str = "", user: str = "U1") -> dict[str, Any]:
    assert bot.command("/revops-win", text, user=user).status == 200
    bot.idle()
    return bot.fake.calls("views.open")[-1].args["view"]


def test_a_win_is_posted_in_the_channel_with_winners_amount_and_a_reaction(
    bot: BotHarness,
) -> None:
    configure(bot)
    view = open_modal(bot, "ACME signs for 3 years")
    assert view["callback_id"] == WinCallback.modal
    title_input = next(b for b in view["blocks"] if b["block_id"] == WinBlock.win_title)
    assert title_input["element"]["initial_value"] == "ACME signs for 3 years"

    answer = bot.submit(
        WinCallback.modal,
        form(winners=["U1", "U2"], amount="12,500", currency="eur", message="Three years, wow."),
        private_metadata=view["private_metadata"],
    )

    assert answer.status == 200 and not answer.body  # the modal closes
    bot.idle()
    (call,) = bot.fake.calls("chat.postMessage")
    assert call.args["channel"] == "CWINS"
    card = block_text(call.args)
    assert "ACME signs for 3 years" in card
    assert "<@U1>" in card and "<@U2>" in card
    assert "€12,500.00" in card and "Three years, wow." in card
    assert "Celebrated by <@U1>" in card
    (post,) = channel_posts(bot)
    assert [r["name"] for r in post["reactions"]] == ["tada"]
    (win,) = wins(bot)
    assert (win.post_state, win.ts, str(win.amount), win.currency) == (
        "posted",
        post["ts"],
        "12500",
        "EUR",
    )


def test_submitting_the_same_modal_twice_posts_once(bot: BotHarness) -> None:
    configure(bot)
    view = open_modal(bot)
    for _ in range(3):  # a double click, and Slack's retry
        bot.submit(
            WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"]
        )
    bot.idle()
    assert len(channel_posts(bot)) == 1
    assert len(wins(bot)) == 1


def test_bad_amounts_and_currencies_are_field_errors_and_store_nothing(bot: BotHarness) -> None:
    configure(bot)
    view = open_modal(bot)
    cases = [
        ({"amount": "lots", "currency": "EUR"}, WinBlock.amount, "number"),
        ({"amount": "-5", "currency": "EUR"}, WinBlock.amount, "negative"),
        ({"amount": "100", "currency": "XYZ"}, WinBlock.currency, "ISO 4217"),
        ({"amount": "100", "currency": ""}, WinBlock.currency, "currency"),
    ]
    for fields, block, words in cases:
        answer = bot.submit(
            WinCallback.modal,
            form(winners=["U1"], **fields),
            private_metadata=view["private_metadata"],
        )
        assert answer.status == 200
        errors = answer.json["errors"]
        assert answer.json["response_action"] == "errors" and list(errors) == [block]
        assert words in errors[block]
    bot.idle()
    assert wins(bot) == [] and channel_posts(bot) == []


def test_field_errors_speak_the_users_language(bot: BotHarness) -> None:
    view = open_modal(bot, user="U2")  # fr-FR
    labels = {b["block_id"]: b["label"]["text"] for b in view["blocks"]}
    assert labels[WinBlock.winners] == "Qui a gagné ?"
    answer = bot.submit(
        WinCallback.modal,
        form(winners=["U2"], amount="12 500,50", currency="ZZZ"),
        private_metadata=view["private_metadata"],
        user_id="U2",
    )
    assert list(answer.json["errors"]) == [WinBlock.currency]  # "12 500,50" is fine in French
    assert "Devise inconnue" in answer.json["errors"][WinBlock.currency]


def test_a_win_waits_for_a_celebration_channel_then_is_posted_when_an_admin_picks_one(
    bot: BotHarness,
) -> None:
    view = open_modal(bot)
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    bot.idle()
    assert channel_posts(bot) == [] and wins(bot)[0].post_state == "ready"
    (note,) = bot.fake.dms_to("U1")
    assert "as soon as an admin picks a celebration channel" in note["text"]

    # The settings' save owes the cards of the wins that waited: no tick needed.
    assert (
        bot.submit(WinCallback.settings, settings_values("CWINS"), user_id="UADMIN").status == 200
    )
    bot.idle()
    (post,) = channel_posts(bot)
    assert "ACME signs for 3 years" in block_text(post)
    assert len(bot.fake.dms_to("U1")) == 1  # told once that it waited


def test_a_waiting_note_delayed_past_the_channels_choice_is_not_sent(bot: BotHarness) -> None:
    """Owed messages are written when they are sent: a note that the win waits for a channel,
    held up by an outage until an admin picked one, has nothing left to say."""
    view = open_modal(bot)
    bot.fake.outage(["chat.postMessage"], 3, mode="error")
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    bot.submit(WinCallback.settings, settings_values("CWINS"), user_id="UADMIN")
    bot.fake.wait_for("chat.postMessage", predicate=lambda call: call.ok, timeout=20)
    bot.idle()
    assert len(channel_posts(bot)) == 1
    assert bot.fake.dms_to("U1") == []
    with bot.session() as session:
        (note,) = session.scalars(
            select(Delivery).where(
                Delivery.kind == "celebrations-message", Delivery.recipient == "U1"
            )
        )
        assert (note.payload["what"], note.status) == ("waits_for_channel", "skipped")


def test_ready_wins_no_change_queued_are_posted_by_the_clock(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wins left ready with a channel set and no card owed (recorded before the outbox, or
    settings written outside the modal): the clock's tick queues and posts them, once."""
    view = open_modal(bot)
    bot.submit(WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"])
    configure(bot)  # stored directly: no flow, so no card owed
    bot.idle()
    assert channel_posts(bot) == []
    for _ in range(2):
        assert bot.jobs_run("celebrations-win-post", monkeypatch=monkeypatch) == 0
    assert len(channel_posts(bot)) == 1
    assert wins(bot)[0].post_state == "posted"


def test_a_card_owed_when_its_process_died_is_posted_by_the_clock(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The win and its card commit together: a process that dies right after the commit,
    before it delivers, loses nothing; another process's clock posts the card."""
    configure(bot)
    monkeypatch.setattr(bot.runtime.outbox, "kick", lambda owed: None)  # delivers nothing
    view = open_modal(bot)
    answer = bot.submit(
        WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"]
    )
    assert answer.status == 200 and not answer.body
    bot.idle()
    assert channel_posts(bot) == []
    with bot.session() as session:
        (owed,) = session.scalars(
            select(Delivery).where(Delivery.kind == "celebrations-win-post")
        ).all()
        assert (owed.status, owed.recipient) == ("pending", "CWINS")

    assert bot.jobs_run("celebrations-win-post", monkeypatch=monkeypatch) == 0
    (post,) = channel_posts(bot)
    assert [r["name"] for r in post["reactions"]] == ["tada"]  # owed by the post, sent too


@pytest.mark.parametrize("mode", ["5xx", "lost"])
def test_a_slack_outage_delays_the_card_and_posts_it_once(bot: BotHarness, mode: str) -> None:
    """Slack down (or answering nothing) when a win is celebrated: the modal closes at once,
    the card goes out after the outage, once, with its reaction."""
    configure(bot)
    view = open_modal(bot)
    bot.fake.outage(["chat.postMessage"], 3, mode=mode)
    answer = bot.submit(
        WinCallback.modal, form(winners=["U1"]), private_metadata=view["private_metadata"]
    )
    assert answer.status == 200 and not answer.body
    # Retried after 2 s, 4 s...: the first try after the outage posts (or finds) the card.
    bot.fake.wait_for("reactions.add", timeout=20)
    bot.idle()
    (post,) = channel_posts(bot)
    assert [r["name"] for r in post["reactions"]] == ["tada"]
    (win,) = wins(bot)
    assert (win.post_state, win.ts) == ("posted", post["ts"])


def test_a_prefilled_win_from_another_domain_is_celebrated_once(bot: BotHarness) -> None:
    configure(bot)
    services, client = bot.runtime.services, bot.runtime.bolt_app.client
    prefill = WinPrefill(
        title="First deal signed in Spain",
        winners=["U2"],
        message="Go-live in ES",
        source_ref="project:42:rollout:ES",
    )
    views = []
    for _ in range(2):  # two people click "Celebrate it" on the same roll-out line
        open_win_modal(
            services,
            client,
            team_id="T1",
            user_id="U1",
            trigger_id=bot.fake.new_trigger_id(),
            prefill=prefill,
        )
        views.append(bot.fake.calls("views.open")[-1].args["view"])
    kind_block = next(b for b in views[0]["blocks"] if b["block_id"] == WinBlock.kind)
    assert kind_block["element"]["initial_option"]["value"] == "project_first_result"
    assert json.loads(views[0]["private_metadata"])["source_ref"] == "project:42:rollout:ES"

    for view in views:
        bot.submit(
            WinCallback.modal,
            form(winners=["U2"], kind="project_first_result", title=prefill.title),
            private_metadata=view["private_metadata"],
        )
    bot.idle()
    assert len(channel_posts(bot)) == 1

    # Offered a third time, the modal says it was already celebrated.
    open_win_modal(
        services,
        client,
        team_id="T1",
        user_id="U1",
        trigger_id=bot.fake.new_trigger_id(),
        prefill=prefill,
    )
    notice = bot.fake.calls("views.open")[-1].args["view"]
    assert "already celebrated" in block_text(notice)
