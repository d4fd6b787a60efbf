"""Jira end to end: an admin connects Jira in App Home (signed HTTP), a request accepted in
Slack becomes a Jira issue through the outbox, the card names it, and the issue's moves in
Jira (webhook or poll) move the request and tell its requester; moves in Slack move the
issue. The fake Jira is a real HTTP server on loopback; SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.intake.ids import Action, Callback
from bot.intake.models import Status
from bot.trackers.ids import TrackerBlock
from bot.trackers.jobs import POLL_KIND
from bot.trackers.models import TrackerConnection
from tests.harness import BotHarness, eventually
from tests.intake.helpers import (
    act,
    card_of,
    note,
    reload,
    set_up_intake,
    wait_for_dm,
)
from tests.trackers.fake_jira import FakeJira
from tests.trackers.helpers import ADMIN, accepted_request, connect_jira, link_of, signed_jira_post


def test_from_app_home_to_the_issue_and_back_to_the_requester(
    bot: BotHarness, fake_jira: FakeJira
) -> None:
    set_up_intake(bot)
    bad = connect_jira(bot, project="NOPE")  # unknown in Jira: a field error, nothing saved
    assert bad.json["response_action"] == "errors"
    assert "Jira has no project or team NOPE" in bad.json["errors"][TrackerBlock.project]
    wrong_type = connect_jira(bot, issue_type="Epic")
    assert "Task, Bug, Story" in wrong_type.json["errors"][TrackerBlock.issue_type]
    assert connect_jira(bot).status == 200
    assert "Jira project OPS: issues created on Accept" in json.dumps(bot.fake.home_of(ADMIN))

    request = accepted_request(bot)
    link = link_of(bot, request.id)
    assert link is not None and link.identifier == "OPS-1"
    (issue,) = fake_jira.issues.values()
    assert issue.summary == "Fix the lead source field" and issue.issue_type == "Task"
    assert f"revops-T1-{request.id}" in issue.labels
    assert "Estimate: 6 h" in issue.description and "REQ-1" in issue.description
    assert "https://slack.com/archives/" in issue.description
    assert f"{fake_jira.url}/browse/OPS-1|OPS-1" in json.dumps(card_of(bot, request)["blocks"])

    fake_jira.move("OPS-1", "In Progress")
    assert signed_jira_post(bot, fake_jira.webhook_body("OPS-1")).status == 200
    bot.idle()
    assert reload(bot, request.id).status == Status.in_progress
    wait_for_dm(bot, "U1", "Work started")

    fake_jira.move("OPS-1", "Done", "Done")
    body = fake_jira.webhook_body("OPS-1")
    assert signed_jira_post(bot, body).status == 200
    assert signed_jira_post(bot, body).status == 200  # redelivered: moves nothing twice
    bot.idle()
    assert reload(bot, request.id).status == Status.done
    assert len([t for t in bot.fake.dms_to("U1") if "is done" in t.get("text", "")]) == 1
    # The bot's own Slack → Jira sync did not move the issue back or again.
    assert len(fake_jira.calls("/rest/api/2/issue/", "POST")) == 0
    assert issue.status == "Done"


def test_a_move_in_slack_moves_the_issue_and_its_echo_moves_nothing(
    bot: BotHarness, fake_jira: FakeJira
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    request = accepted_request(bot)
    act(bot, Action.done, Callback.done, request, note("Field fixed"))
    bot.idle()
    (issue,) = fake_jira.issues.values()
    assert (issue.status, issue.resolution) == ("Done", "Done")
    # Jira tells the bot of the move it made: nothing moves, nobody is told twice.
    dms = len(bot.fake.dms_to("U1"))
    assert signed_jira_post(bot, fake_jira.webhook_body("OPS-1")).status == 200
    bot.idle()
    assert len(bot.fake.dms_to("U1")) == dms
    assert reload(bot, request.id).status == Status.done


def test_jira_down_at_accept_creates_the_issue_later_once(
    bot: BotHarness, fake_jira: FakeJira
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    fake_jira.down = True
    request = accepted_request(bot)
    assert reload(bot, request.id).status == Status.accepted  # accepted at once
    assert link_of(bot, request.id) is None
    fake_jira.down = False
    eventually(lambda: link_of(bot, request.id) is not None, timeout=30)
    bot.idle()
    assert [i.key for i in fake_jira.issues.values()] == ["OPS-1"]
    assert "OPS-1" in json.dumps(card_of(bot, request)["blocks"])


def test_refused_credentials_tell_the_admin_once(bot: BotHarness, fake_jira: FakeJira) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    fake_jira.refuse = True
    accepted_request(bot, "First")
    accepted_request(bot, "Second")
    told = [m for m in bot.fake.dms_to(ADMIN) if "Jira refused the bot" in m.get("text", "")]
    assert len(told) == 1
    assert "jira-api-token" not in told[0]["text"]
    with bot.session() as session:
        connection = session.get(TrackerConnection, "T1")
        assert connection is not None and "401" in (connection.problem or "")
    assert not fake_jira.issues
    # The admin fixes the credentials and saves the settings again: the missed issues follow.
    fake_jira.refuse = False
    assert connect_jira(bot).status == 200
    bot.idle()
    assert sorted(i.summary for i in fake_jira.issues.values()) == ["First", "Second"]


def test_a_deleted_issue_shows_on_the_card_and_breaks_nothing(
    bot: BotHarness, fake_jira: FakeJira
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    request = accepted_request(bot)
    body = fake_jira.webhook_body("OPS-1", event="jira:issue_deleted")
    fake_jira.delete("OPS-1")
    assert signed_jira_post(bot, body).status == 200
    bot.idle()
    assert "Jira issue OPS-1 was deleted" in json.dumps(card_of(bot, request)["blocks"])
    assert reload(bot, request.id).status == Status.accepted
    # The request still moves in Slack; the gone issue is not asked for again.
    calls = len(fake_jira.requests)
    act(bot, Action.done, Callback.done, request, note("Done anyway"))
    bot.idle()
    assert reload(bot, request.id).status == Status.done
    assert len(fake_jira.requests) == calls


def test_webhook_refusals(
    bot: BotHarness, fake_jira: FakeJira, caplog: pytest.LogCaptureFixture
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    request = accepted_request(bot)
    fake_jira.move("OPS-1", "In Progress")
    forged = signed_jira_post(bot, fake_jira.webhook_body("OPS-1"), secret="not-the-secret")
    assert forged.status == 401
    bot.idle()
    assert reload(bot, request.id).status == Status.accepted  # nothing stored
    assert signed_jira_post(bot, {"issue": {}}).status == 400
    assert "webhookEvent" in signed_jira_post(bot, {"issue": {}}).json["problem"]
    unknown = fake_jira.webhook_body("OPS-1")
    unknown["issue"] = {**unknown["issue"], "id": "99999", "key": "OPS-999"}
    with caplog.at_level(logging.INFO, logger="bot.trackers.webhooks"):
        assert signed_jira_post(bot, unknown).status == 200
    assert [r for r in caplog.records if "OPS-999" in r.getMessage()]


def test_the_poll_moves_the_request_once(
    bot: BotHarness, fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    request = accepted_request(bot)
    fake_jira.set_estimate("OPS-1", story_points=5)  # 5 points × 3 h
    fake_jira.move("OPS-1", "Won't Do", "Won't Do")
    assert bot.jobs_run(POLL_KIND, monkeypatch=monkeypatch) == 0
    assert bot.jobs_run(POLL_KIND, monkeypatch=monkeypatch) == 0  # the same change again
    bot.idle()
    moved = reload(bot, request.id)
    assert moved.status == Status.declined
    assert len([t for t in bot.fake.dms_to("U1") if "declined" in t.get("text", "")]) == 1


def test_the_issues_estimate_feeds_the_eta(bot: BotHarness, fake_jira: FakeJira) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    request = accepted_request(bot)
    assert reload(bot, request.id).estimate_hours == 6
    fake_jira.set_estimate("OPS-1", seconds=2 * 3600)  # time tracking's original estimate
    assert signed_jira_post(bot, fake_jira.webhook_body("OPS-1")).status == 200
    bot.idle()
    assert reload(bot, request.id).estimate_hours == 2
    fake_jira.set_estimate("OPS-1", story_points=8)  # no time tracking: 8 points × 3 h
    assert signed_jira_post(bot, fake_jira.webhook_body("OPS-1")).status == 200
    bot.idle()
    assert reload(bot, request.id).estimate_hours == 24


def test_ten_concurrent_deliveries_and_a_poll_move_the_request_once(
    bot: BotHarness, fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    request = accepted_request(bot)
    fake_jira.move("OPS-1", "Done", "Done")
    body = fake_jira.webhook_body("OPS-1")
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: signed_jira_post(bot, body).status, range(10)))
    assert answers == [200] * 10
    assert bot.jobs_run(POLL_KIND, monkeypatch=monkeypatch) == 0
    bot.idle()
    assert reload(bot, request.id).status == Status.done
    assert len([t for t in bot.fake.dms_to("U1") if "is done" in t.get("text", "")]) == 1
