"""A team or country going live: "Celebrate" on the update card posts a win, once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.celebrations import service as celebrations
from bot.celebrations.ids import WinAction, WinBlock, WinCallback
from bot.celebrations.models import Win
from bot.celebrations.rules import SettingsChange
from bot.projects.ids import ProjectAction
from bot.projects.models import RolloutLine
from tests.harness import BotHarness
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    ack_errors,
    all_text,
    called,
    click,
    create_project,
    fire_checkin,
    last_view,
    next_weekday,
    post_update,
    submit,
    today,
    update_values,
)
from tests.slack.signing import state_value

WINS_CHANNEL = "CWINS"


@pytest.fixture
def celebration_channel(bot: BotHarness) -> None:
    bot.fake.add_channel(channel_id=WINS_CHANNEL, name="wins")
    with bot.session() as session:
        celebrations.save_settings(
            session=session,
            team_id="T1",
            change=SettingsChange(
                channel_id=WINS_CHANNEL, weekday=4, hour=16, tz="Europe/Paris", top_performers=True
            ),
            updated_by="UADMIN",
            now=datetime.now(UTC),
        )


def france_goes_live(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    return post_update(bot, card, update_values(bot, win_rate="24", france="live"))


def as_submitted(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What Slack sends back when the win modal is submitted as the bot filled it."""
    blocks = {block["block_id"]: block["element"] for block in modal["blocks"]}
    kind = blocks[WinBlock.kind]["initial_option"]["value"]
    return {
        WinBlock.winners: {
            WinAction.winners: state_value(
                "multi_users_select", blocks[WinBlock.winners]["initial_users"]
            )
        },
        WinBlock.kind: {WinAction.kind: state_value("static_select", kind)},
        WinBlock.win_title: {WinAction.win_title: blocks[WinBlock.win_title]["initial_value"]},
        WinBlock.amount: {WinAction.amount: ""},
        WinBlock.currency: {WinAction.currency: ""},
        WinBlock.message: {WinAction.message: blocks[WinBlock.message]["initial_value"]},
    }


@pytest.mark.usefixtures("celebration_channel")
def test_celebrate_posts_the_win_in_the_celebration_channel_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    update = france_goes_live(bot, monkeypatch)
    assert "First success: *France* now live!" in all_text(update["blocks"])

    opened = len(bot.fake.calls("views.open"))
    assert click(bot, update, ProjectAction.celebrate).status == 200
    modal = last_view(bot, opened + 1)
    assert modal["callback_id"] == WinCallback.modal
    answer = bot.submit(
        WinCallback.modal, as_submitted(modal), private_metadata=modal["private_metadata"]
    )
    assert answer.status == 200 and not answer.body  # the modal closes

    (post,) = called(
        bot, "chat.postMessage", predicate=lambda call: call.args["channel"] == WINS_CHANNEL
    )
    shown = all_text(post.args["blocks"])
    assert "France is live on CPQ roll-out" in shown and "<@U1>" in shown
    assert "First result of *CPQ roll-out* in France" in shown
    with bot.session() as session:
        (win,) = session.scalars(select(Win)).all()
        line = session.scalar(select(RolloutLine).where(RolloutLine.name == "France"))
        assert line is not None and win.source_ref == f"project:{line.project_id}:rollout:{line.id}"

    # A second click (here by a member) says it was already celebrated, and posts nothing.
    click(bot, update, ProjectAction.celebrate, user="U2")
    notice = last_view(bot, opened + 2)
    assert "déjà été célébrée" in all_text(notice["blocks"])  # U2 reads French
    assert len(bot.fake.messages(WINS_CHANNEL)) == 1


@pytest.mark.usefixtures("celebration_channel")
def test_only_the_team_celebrates_and_only_a_line_that_is_live(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    update = france_goes_live(bot, monkeypatch)
    bot.fake.add_user(user_id="U3", tz="Europe/Paris", locale="en-GB")
    opened = len(bot.fake.calls("views.open"))

    click(bot, update, ProjectAction.celebrate, user="U3")  # not in the project
    (refusal,) = called(bot, "response_url")
    assert (
        refusal.args["text"]
        == "Only the owner and the members of “CPQ roll-out” celebrate its successes."
    )

    with bot.session() as session:
        france = session.scalar(select(RolloutLine).where(RolloutLine.name == "France"))
        assert france is not None
        france.status = "piloting"  # set back meanwhile
    click(bot, update, ProjectAction.celebrate)
    refusal = called(bot, "response_url", count=2)[-1]
    assert refusal.args["text"] == "France is not live any more: there is nothing to celebrate yet."
    assert len(bot.fake.calls("views.open")) == opened
    with bot.session() as session:
        assert session.scalars(select(Win)).all() == []


def _lines(bot: BotHarness) -> dict[str, int]:
    with bot.session() as session:
        return {line.name: line.id for line in session.scalars(select(RolloutLine))}


@pytest.mark.usefixtures("celebration_channel")
def test_two_countries_live_in_one_update_each_get_their_celebrate_button(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    values = update_values(bot, win_rate="24", france="live")
    germany = _lines(bot)["Germany"]
    values[f"rollout.{germany}.status"] = {
        f"rollout.{germany}.status": state_value("static_select", "live")
    }
    opened = len(bot.fake.calls("views.open"))
    assert click(bot, card, ProjectAction.post_update).status == 200
    modal = last_view(bot, opened + 1)
    assert ack_errors(submit(bot, modal, values)) == {}
    bot.idle()

    # The update reached the channel, in place of the check-in card.
    update = next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == card["ts"])
    shown = all_text(update["blocks"])
    assert "First success: *France*, *Germany* now live!" in shown
    celebrate = [
        element
        for block in update["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id", "").startswith(ProjectAction.celebrate)
    ]
    assert len(celebrate) == 2
    assert len({element["action_id"] for element in celebrate}) == 2

    # Each button celebrates its own country.
    for element, country in zip(celebrate, ("France", "Germany"), strict=True):
        opened = len(bot.fake.calls("views.open"))
        result = bot.action(
            element["action_id"],
            element["value"],
            user_id="U1",
            channel_id=PROJECT_CHANNEL,
            message=update,
        )
        assert result.status == 200
        win_modal = last_view(bot, opened + 1)
        assert win_modal["callback_id"] == WinCallback.modal
        assert f"{country} is live on CPQ roll-out" in json.dumps(win_modal["blocks"])
        answer = bot.submit(
            WinCallback.modal,
            as_submitted(win_modal),
            private_metadata=win_modal["private_metadata"],
        )
        assert answer.status == 200 and not answer.body
    bot.idle()
    posted = all_text([m.get("blocks") or [] for m in bot.fake.messages(WINS_CHANNEL)])
    assert "France is live on CPQ roll-out" in posted
    assert "Germany is live on CPQ roll-out" in posted
    with bot.session() as session:
        lines = _lines(bot)
        project_id = session.scalar(select(RolloutLine.project_id))
        assert sorted(session.scalars(select(Win.source_ref))) == sorted(
            f"project:{project_id}:rollout:{lines[name]}" for name in ("France", "Germany")
        )

    # A card posted before carries the bare action id: its button still works.
    opened = len(bot.fake.calls("views.open"))
    old_card = {**update, "ts": "1700000000.000200"}
    bot.action(ProjectAction.celebrate, celebrate[0]["value"], message=old_card)
    notice = last_view(bot, opened + 1)
    assert "already celebrated" in all_text(notice["blocks"])
