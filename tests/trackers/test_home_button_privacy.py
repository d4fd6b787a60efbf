"""Issues created by the card's button, issue keys in App Home, and privacy: the connection
exported without credentials, the admin who connected it erased from it."""

from __future__ import annotations

import json

import pytest

from bot.intake.ids import Action, Callback
from bot.trackers.ids import TrackerAction
from bot.trackers.models import TrackerConnection
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    REVOPS_MEMBER,
    accept_values,
    act,
    card_of,
    file_request,
    reload,
    set_up_intake,
)
from tests.trackers.contract import JIRA_TOKEN
from tests.trackers.fake_jira import FakeJira
from tests.trackers.helpers import ADMIN, connect_jira, home, link_of


def test_by_button_the_issue_waits_for_the_card_button(
    bot: BotHarness, fake_jira: FakeJira
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot, create_on="button").status == 200
    request = file_request(bot)
    act(bot, Action.accept, Callback.accept, request, accept_values(hours="5", size=None))
    bot.idle()
    assert not fake_jira.issues and link_of(bot, request.id) is None
    card = json.dumps(card_of(bot, request)["blocks"])
    assert TrackerAction.create_issue in card

    message = {"type": "message", "ts": reload(bot, request.id).card_ts, "user": "UBOT1"}
    clicked = bot.action(
        TrackerAction.create_issue,
        str(request.id),
        user_id=REVOPS_MEMBER,
        channel_id=INTAKE_CHANNEL,
        message=message,
    )
    assert clicked.status == 200
    bot.idle()
    assert [i.key for i in fake_jira.issues.values()] == ["OPS-1"]
    card = json.dumps(card_of(bot, request)["blocks"])
    assert "OPS-1" in card and TrackerAction.create_issue not in card  # the button is gone

    mine = json.dumps(home(bot, "U1"))  # the requester's App Home names the issue
    assert "OPS-1" in mine
    queue = json.dumps(home(bot, REVOPS_MEMBER))
    assert "OPS-1" in queue


def test_privacy_export_has_no_credential_and_erasure_scrubs_the_admin(
    bot: BotHarness, fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    out = tmp_path / "export.json"
    assert (
        bot.cli(
            "privacy",
            "export",
            "--team",
            "T1",
            "--user",
            ADMIN,
            "--out",
            str(out),
            monkeypatch=monkeypatch,
        )
        == 0
    )
    exported = out.read_text()
    assert "tracker_connections" in exported and '"OPS"' in exported
    assert JIRA_TOKEN not in exported and fake_jira.url not in exported
    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", ADMIN, "--yes", monkeypatch=monkeypatch
        )
        == 0
    )
    with bot.session() as session:
        connection = session.get(TrackerConnection, "T1")
        assert connection is not None and connection.connected_by not in (None, ADMIN)
