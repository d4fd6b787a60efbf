"""Text typed in a modal is checked on submit against the max_length the modal declares, in
every domain: a field error on each input that is too long, never a silent cut."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.celebrations.ids import WinAction, WinBlock, WinCallback
from tests.celebrations.helpers import configure, wins
from tests.harness import BotHarness
from tests.projects.helpers import PROJECT_CHANNEL
from tests.slack.signing import state_value

HOME = {"id": "VHOME", "type": "home"}


def opened(bot: BotHarness, open_it: Callable[[], Any]) -> dict[str, Any]:
    """The modal `open_it` opens, as Slack stores it (and echoes it on submit); a modal that
    opens with "Loading…" is the one its views.update fills in."""
    before = len(bot.fake.calls("views.open"))
    open_it()
    call = bot.fake.wait_for("views.open", count=before + 1)[-1]
    assert call.ok, call.error
    view = dict(call.response["view"])
    if not any(block.get("type") == "input" for block in view["blocks"]):
        (update,) = bot.fake.wait_for(
            "views.update", predicate=lambda c: c.args.get("view_id") == view["id"]
        )
        view = dict(update.response["view"])
    return view


def win_form(title: str, message: str = "") -> dict[str, dict[str, Any]]:
    return {
        WinBlock.winners: {WinAction.winners: state_value("multi_users_select", ["U1"])},
        WinBlock.kind: {WinAction.kind: state_value("static_select", "deal_signed")},
        WinBlock.win_title: {WinAction.win_title: title},
        WinBlock.amount: {WinAction.amount: ""},
        WinBlock.currency: {WinAction.currency: ""},
        WinBlock.message: {WinAction.message: message},
    }


@pytest.mark.parametrize(("user", "said"), [("U1", "Keep it under"), ("U2", "Restez sous")])
def test_a_win_title_longer_than_the_modal_allows_is_a_field_error(
    bot: BotHarness, user: str, said: str
) -> None:
    configure(bot)
    view = opened(bot, lambda: bot.command("/revops-win", "ACME", user=user))
    answer = bot.submit(
        WinCallback.modal,
        win_form("x" * 3500),
        private_metadata=view["private_metadata"],
        blocks=view["blocks"],
        user_id=user,
    )
    assert answer.status == 200
    assert answer.json["response_action"] == "errors"
    error = answer.json["errors"][WinBlock.win_title]
    assert error.startswith(said) and "150" in error and "3500" in error
    assert list(answer.json["errors"]) == [WinBlock.win_title]
    bot.idle()  # a listener that slipped through would have stored the win
    assert wins(bot) == []


def test_a_crafted_submission_without_its_blocks_is_checked_by_the_domain_too(
    bot: BotHarness,
) -> None:
    configure(bot)
    view = opened(bot, lambda: bot.command("/revops-win", "ACME"))
    answer = bot.submit(
        WinCallback.modal,
        win_form("x" * 3500, message="y" * 2001),
        private_metadata=view["private_metadata"],
    )
    assert answer.json == {
        "response_action": "errors",
        "errors": {
            WinBlock.win_title: "Keep it under 150 characters.",
            WinBlock.message: "Keep it under 2,000 characters.",
        },
    }
    assert wins(bot) == []


def every_domain(bot: BotHarness) -> dict[str, Callable[[], Any]]:
    """A modal of each domain with free text, opened the way users open them."""
    from tests.intake.helpers import set_up_intake

    set_up_intake(bot)
    bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    return {
        "intake: filing": lambda: bot.command("/revops-request", "Pipeline dashboard"),
        "intake: settings": lambda: bot.action("intake_open_settings", user_id="UADMIN", view=HOME),
        "projects: new project": lambda: bot.command("/revops-project", "new CPQ"),
        "celebrations: win": lambda: bot.command("/revops-win", "ACME"),
        "celebrations: settings": lambda: bot.action(
            "celebrations_open_settings", user_id="UADMIN", view=HOME
        ),
    }


def overlong_state(view: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Every plain-text input filled one character past its max_length."""
    values: dict[str, dict[str, Any]] = {}
    limited: set[str] = set()
    for block in view["blocks"]:
        element = block.get("element") or {}
        if block.get("type") == "input" and element.get("type") == "plain_text_input":
            limit = element.get("max_length")
            text = "z" * (limit + 1) if limit else "fine"
            values[block["block_id"]] = {element["action_id"]: text}
            if limit:
                limited.add(block["block_id"])
    return values, limited


def test_every_domain_refuses_text_over_the_declared_limit(bot: BotHarness) -> None:
    for domain, open_it in every_domain(bot).items():
        view = opened(bot, open_it)
        values, limited = overlong_state(view)
        assert limited, f"{domain}: no input declares a max_length"
        answer = bot.submit(
            view["callback_id"],
            values,
            private_metadata=view.get("private_metadata", ""),
            blocks=view["blocks"],
            view_id=view["id"],
            user_id="UADMIN",
        )
        assert answer.status == 200, (domain, answer.text)
        body = answer.json or {}
        assert body.get("response_action") == "errors", (domain, body)
        assert set(body["errors"]) == limited, domain
        for block_id in limited:
            assert body["errors"][block_id].startswith("Keep it under"), (domain, block_id)


def test_a_crafted_project_without_its_blocks_is_checked_by_the_domain_too(
    bot: BotHarness,
) -> None:
    from tests.projects.helpers import ack_errors, open_create_modal, project_values, text
    from tests.projects.helpers import submit as submit_project

    bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    view = open_create_modal(bot)
    values = project_values(
        **{
            "kpis.0.name": text("k" * 200),
            "kpis.0.unit": text("u" * 40),
            "milestones.0.name": text("m" * 300),
        }
    )
    errors = ack_errors(submit_project(bot, view, values))  # no blocks: only the domain checks
    assert errors == {
        "kpis.0.name": "Keep it under 80 characters.",
        "kpis.0.unit": "Keep it under 20 characters.",
        "milestones.0.name": "Keep it under 120 characters.",
    }
