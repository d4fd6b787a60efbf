"""Token mode serves the one workspace of its bot token: a correctly signed request from another
team (Enterprise Grid, a shared channel) is acked, logged in one line, answered politely where
Slack offers a way (a response_url), and nothing is written for it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.workspaces.models import Workspace
from tests.harness import BotHarness
from tests.slack import signing

OTHER = "T0OTHER22"
HOME = {"id": "VHOME", "type": "home"}


def pinned_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "request from another workspace ignored"]


def test_another_workspace_cannot_issue_a_webhook_token(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = bot.row_counts()
    clicked = bot.action(
        "workspace_issue_webhook_token", user_id="UADMIN", team_id=OTHER, view=HOME
    )
    assert clicked.status == 200
    # Logged before the ack, by the middleware that stopped the request before any listener.
    (line,) = pinned_lines(caplog)
    assert (line.team, line.served) == (OTHER, "T1")  # type: ignore[attr-defined]
    bot.idle()
    with bot.session() as session:
        assert session.scalars(select(Workspace.team_id)).all() == []
    assert bot.row_counts() == before
    assert not bot.fake.calls("views.open")


def test_a_command_from_another_workspace_gets_a_polite_ephemeral(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = bot.row_counts()
    built = signing.slash_command(
        "/revops-request", "Pipeline", team_id=OTHER, trigger_id=bot.fake.new_trigger_id()
    )
    assert bot.post_slack(built).status == 200
    (notice,) = bot.fake.wait_for("response_url")
    assert notice.args["response_type"] == "ephemeral"
    assert notice.args["text"].startswith("RevOps bot serves another Slack workspace")
    bot.idle()
    assert not bot.fake.calls("views.open")
    assert len(pinned_lines(caplog)) == 1
    assert bot.row_counts() == before


def test_events_of_another_workspace_change_nothing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = bot.row_counts()
    for event in (
        {"type": "app_home_opened", "user": "U1", "tab": "home"},
        {"type": "app_uninstalled"},
        {"type": "user_change", "user": {"id": "U9", "name": "x", "tz": "Asia/Tokyo"}},
    ):
        assert bot.event(event, team=OTHER).status == 200
    assert len(pinned_lines(caplog)) == 3
    bot.idle()
    assert bot.row_counts() == before
    assert not bot.fake.calls("views.publish")

    # The workspace the token serves is served as before.
    assert bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"}).status == 200
    bot.fake.wait_for("views.publish")
