"""A bug in a listener (or a payload of a shape it did not expect) is never silent for the
person who clicked: a form not yet answered gets a notice pushed over it, so closing the notice
goes back to what they typed; after the ack (the form closed), a message tells them. The log
gets one line: the traceback for a bug, one line for an unreadable payload."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.exports import flows as export_flows
from bot.exports.ids import ExportAction
from bot.intake import flows_filing, views_filing
from bot.intake.ids import Callback
from bot.intake.models import IntakeRequest
from tests.exports.test_csv_exports import _submit_export
from tests.harness import BotHarness
from tests.intake.helpers import (
    card_posts,
    filing_values,
    open_filing,
    set_up_intake,
    submit,
)
from tests.intake.test_home import open_home
from tests.slack.blockkit_limits import check_view

WENT_WRONG = (
    "Something went wrong on our side, so this may not have been saved. Please try again; "
    "if it keeps happening, tell your RevOps team."
)


def filed(bot: BotHarness) -> int:
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(IntakeRequest)) or 0)


@pytest.mark.parametrize(
    ("error", "level"),
    [(RuntimeError("a bug"), logging.ERROR), (KeyError("title"), logging.WARNING)],
)
def test_a_filing_form_whose_listener_fails_stays_open_under_a_notice(
    bot: BotHarness,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    level: int,
) -> None:
    set_up_intake(bot)
    view = open_filing(bot)

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(flows_filing, "submit_filing", failing)
    caplog.set_level(logging.INFO)
    answer = submit(bot, Callback.file, view, filing_values())

    assert answer.status == 200, answer.text
    assert answer.json["response_action"] == "push"  # over the form: what they typed is kept
    notice = answer.json["view"]
    assert check_view(notice, allowed_types=frozenset({"modal"})) == []
    assert notice["blocks"][0]["text"]["text"] == WENT_WRONG
    bot.idle()
    assert filed(bot) == 0
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelno for r in lines] == [level], [r.getMessage() for r in lines]
    assert bool(lines[0].exc_info) == (level == logging.ERROR)  # a bug's traceback, kept

    monkeypatch.undo()  # fixed: the same form, submitted again, files
    again = submit(bot, Callback.file, view, filing_values())
    assert again.json["response_action"] == "update", again.json
    bot.idle()
    assert filed(bot) == 1 and len(card_posts(bot)) == 1


def test_a_form_that_fails_after_it_closed_tells_the_user_by_dm(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    home = open_home(bot, "UADMIN")
    opened = len(bot.fake.calls("views.open"))
    bot.action(ExportAction.open, view=home, user_id="UADMIN")
    modal = dict(bot.fake.wait_for("views.open", count=opened + 1)[-1].response["view"])

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug after the ack")

    monkeypatch.setattr(export_flows, "request_export", failing)
    answer = _submit_export(bot, modal, kind="requests")
    assert answer.status == 200 and not answer.text  # acked: the form closed
    bot.idle()
    assert [dm["text"] for dm in bot.fake.dms_to("UADMIN")] == [WENT_WRONG]


def test_a_command_that_fails_is_answered_in_the_channel_in_the_users_language(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug while building the form")

    monkeypatch.setattr(views_filing, "prefill_from_text", failing)
    answer = bot.command("/revops-request", "", user="U2")  # U2 reads Slack in French
    assert answer.status == 200
    bot.idle()
    (told,) = [call.args for call in bot.fake.calls("response_url")]
    assert told["response_type"] == "ephemeral"
    assert told["text"].startswith("Un problème est survenu de notre côté")
    assert bot.fake.calls("views.open") == []
