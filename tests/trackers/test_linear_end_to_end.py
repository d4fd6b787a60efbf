"""Linear end to end: an admin connects Linear in App Home (signed HTTP), a request accepted in
Slack becomes a Linear issue through the outbox, the card names it, and the issue's moves in
Linear (a signed webhook or the poll) move the request and tell its requester; moves in Slack
move the issue. The fake Linear is a real GraphQL server on loopback; SQLite and PostgreSQL
alike (the suite runs on each)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.intake.ids import Action, Callback
from bot.intake.models import Status
from bot.trackers.ids import TrackerAction, TrackerBlock, TrackerCallback
from bot.trackers.jobs import POLL_KIND
from bot.trackers.linear import issue_id_for
from bot.trackers.service import idempotency_key
from tests.harness import BotHarness, HttpResult, bot_environment, eventually
from tests.intake.helpers import (
    act,
    card_of,
    note,
    reload,
    set_up_intake,
    wait_for_dm,
)
from tests.slack.fake_slack import FakeSlack
from tests.trackers.fake_linear import FakeIssue, FakeLinear
from tests.trackers.helpers import ADMIN, accepted_request, home, link_of, settings_values

LINEAR_KEY = "lin_api_end2end_0123456789abcdef"
LINEAR_SECRET = "lin_wh_end2end_signing_secret"


@pytest.fixture
def fake_linear() -> Iterator[FakeLinear]:
    with FakeLinear(api_key=LINEAR_KEY) as fake:
        fake.add_team("OPS", "RevOps")
        yield fake


@pytest.fixture
def bot_env(fake_slack: FakeSlack, database_url: str, fake_linear: FakeLinear) -> dict[str, str]:
    """The bot's environment with Linear only (no Jira): key, webhook secret, the fake's URL."""
    return bot_environment(
        fake_slack,
        database_url,
        LINEAR_API_KEY=LINEAR_KEY,
        LINEAR_WEBHOOK_SECRET=LINEAR_SECRET,
        LINEAR_API_URL=fake_linear.url,
        LINEAR_HOURS_PER_POINT="3",
    )


def connect_linear(bot: BotHarness, *, team: str = "OPS") -> HttpResult:
    """An admin opens App Home, presses "Tracker settings", picks Linear and submits."""
    view = home(bot, ADMIN)
    assert "*Work tracker* (admins)" in json.dumps(view)
    bot.action(TrackerAction.open_settings, view=view, user_id=ADMIN)
    bot.idle()
    modal = bot.fake.calls("views.open")[-1].args["view"]
    assert modal["callback_id"] == TrackerCallback.settings
    assert "Linear" in json.dumps(modal)  # offered: LINEAR_API_KEY is set
    values = settings_values(kind="linear", project=team, issue_type="")
    answer = bot.submit(TrackerCallback.settings, values, user_id=ADMIN)
    bot.idle()
    return answer


def the_issue(fake: FakeLinear) -> FakeIssue:
    (issue,) = fake.live_issues()
    return issue


def deliver(
    bot: BotHarness, fake: FakeLinear, issue: FakeIssue, *, action: str = "update", **kwargs: str
) -> int:
    payload = fake.webhook_payload(issue.id, action=action)
    url = f"{bot.server.url}/webhooks/linear"
    return fake.send_webhook(url, payload, secret=LINEAR_SECRET, **kwargs).status_code


def test_from_app_home_to_the_issue_and_back_to_the_requester(
    bot: BotHarness, fake_linear: FakeLinear
) -> None:
    set_up_intake(bot)
    bad = connect_linear(bot, team="NOPE")  # no such team in Linear: a field error
    assert bad.json["response_action"] == "errors"
    assert "Linear has no project or team NOPE" in bad.json["errors"][TrackerBlock.project]
    assert connect_linear(bot).status == 200
    assert "Linear team OPS: issues created on Accept" in json.dumps(bot.fake.home_of(ADMIN))

    request = accepted_request(bot)
    issue = the_issue(fake_linear)
    # The id every try asks for: derived from the request, so retries find this issue.
    assert issue.id == issue_id_for(idempotency_key(team_id="T1", request_id=request.id))
    assert issue.identifier == "OPS-1" and issue.title == "Fix the lead source field"
    assert "Estimate: 6 h" in issue.description and "REQ-1" in issue.description
    assert "https://slack.com/archives/" in issue.description
    link = link_of(bot, request.id)
    assert link is not None and link.identifier == "OPS-1"
    assert f"{issue.url}|OPS-1" in json.dumps(card_of(bot, request)["blocks"])

    fake_linear.move(issue.id, "In Progress")
    assert deliver(bot, fake_linear, issue) == 200
    bot.idle()
    assert reload(bot, request.id).status == Status.in_progress
    wait_for_dm(bot, "U1", "Work started")

    fake_linear.move(issue.id, "Done")
    payload = fake_linear.webhook_payload(issue.id)
    url = f"{bot.server.url}/webhooks/linear"
    assert fake_linear.send_webhook(url, payload, secret=LINEAR_SECRET).status_code == 200
    assert fake_linear.send_webhook(url, payload, secret=LINEAR_SECRET).status_code == 200
    bot.idle()
    assert reload(bot, request.id).status == Status.done
    assert len([t for t in bot.fake.dms_to("U1") if "is done" in t.get("text", "")]) == 1
    # The bot's own Slack → Linear sync did not move the issue back or again.
    assert "MoveIssue" not in fake_linear.operations()
    assert issue.state.name == "Done"


def test_a_move_in_slack_moves_the_issue_and_its_echo_moves_nothing(
    bot: BotHarness, fake_linear: FakeLinear
) -> None:
    set_up_intake(bot)
    assert connect_linear(bot).status == 200
    request = accepted_request(bot)
    act(bot, Action.done, Callback.done, request, note("Report fixed"))
    bot.idle()
    issue = the_issue(fake_linear)
    eventually(lambda: issue.state.name == "Done", what="the issue moved to Done")
    dms = len(bot.fake.dms_to("U1"))
    assert deliver(bot, fake_linear, issue) == 200  # Linear tells of the bot's own move
    bot.idle()
    assert len(bot.fake.dms_to("U1")) == dms
    assert reload(bot, request.id).status == Status.done
    assert fake_linear.operations().count("MoveIssue") == 1


def test_linear_down_or_an_answer_lost_at_accept_makes_one_issue_later(
    bot: BotHarness, fake_linear: FakeLinear
) -> None:
    set_up_intake(bot)
    assert connect_linear(bot).status == 200
    fake_linear.down = True
    first = accepted_request(bot, "First")
    assert reload(bot, first.id).status == Status.accepted  # accepted at once
    assert link_of(bot, first.id) is None
    fake_linear.down = False
    eventually(lambda: link_of(bot, first.id) is not None, timeout=30, what="issue created")

    fake_linear.drop_answer("CreateIssue")  # Linear makes it; the bot never hears
    second = accepted_request(bot, "Second")
    eventually(lambda: link_of(bot, second.id) is not None, timeout=30, what="issue found")
    bot.idle()
    assert sorted(i.title for i in fake_linear.live_issues()) == ["First", "Second"]
    assert fake_linear.operations().count("CreateIssue") >= 3  # the lost one was asked again
    assert "OPS-2" in json.dumps(card_of(bot, second)["blocks"])


def test_webhook_refusals(
    bot: BotHarness, fake_linear: FakeLinear, caplog: pytest.LogCaptureFixture
) -> None:
    set_up_intake(bot)
    assert connect_linear(bot).status == 200
    request = accepted_request(bot)
    issue = the_issue(fake_linear)
    fake_linear.move(issue.id, "In Progress")
    url = f"{bot.server.url}/webhooks/linear"

    assert deliver(bot, fake_linear, issue, signature="0" * 64) == 401
    forged = fake_linear.send_webhook(
        url, fake_linear.webhook_payload(issue.id), secret="not-the-secret"
    )
    assert forged.status_code == 401
    stale = fake_linear.webhook_payload(
        issue.id, timestamp=datetime.now(UTC) - timedelta(minutes=5)
    )
    refused = fake_linear.send_webhook(url, stale, secret=LINEAR_SECRET)
    assert refused.status_code == 401 and "webhookTimestamp" in refused.text
    bot.idle()
    assert reload(bot, request.id).status == Status.accepted  # nothing stored

    now = int(datetime.now(UTC).timestamp() * 1000)
    for body, reason in (
        (b"not json", "JSON"),
        (b"[]", "object"),
        (f'{{"type": "Issue", "action": "update", "webhookTimestamp": {now}}}'.encode(), "data"),
        (
            f'{{"type": "Issue", "action": "update", "webhookTimestamp": {now}, '
            f'"data": {{"id": "a\\u0000", "updatedAt": "2026-12-05T04:00:00Z"}}}}'.encode(),
            "NUL",
        ),
    ):
        malformed = fake_linear.send_webhook(url, body, secret=LINEAR_SECRET)
        assert malformed.status_code == 400 and reason in malformed.text, malformed.text

    comment = {**fake_linear.webhook_payload(issue.id), "type": "Comment", "data": {"id": "c"}}
    assert fake_linear.send_webhook(url, comment, secret=LINEAR_SECRET).status_code == 200
    stranger = fake_linear.add_issue(title="Made in Linear")
    with caplog.at_level(logging.INFO, logger="bot.trackers.webhooks"):
        assert deliver(bot, fake_linear, stranger) == 200
    assert [r for r in caplog.records if stranger.identifier in r.getMessage()]
    bot.idle()
    assert reload(bot, request.id).status == Status.accepted


def test_the_poll_moves_the_request_once_and_the_estimate_feeds_the_eta(
    bot: BotHarness, fake_linear: FakeLinear, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    assert connect_linear(bot).status == 200
    request = accepted_request(bot)
    issue = the_issue(fake_linear)
    fake_linear.set_estimate(issue.id, 5)  # 5 points × 3 h
    assert deliver(bot, fake_linear, issue) == 200
    bot.idle()
    assert reload(bot, request.id).estimate_hours == 15

    fake_linear.move(issue.id, "Canceled")
    assert bot.jobs_run(POLL_KIND, monkeypatch=monkeypatch) == 0
    assert bot.jobs_run(POLL_KIND, monkeypatch=monkeypatch) == 0  # the same change again
    bot.idle()
    assert reload(bot, request.id).status == Status.declined
    assert len([t for t in bot.fake.dms_to("U1") if "declined" in t.get("text", "")]) == 1
    assert "ChangedIssues" in fake_linear.operations()


def test_a_removed_issue_shows_on_the_card_and_breaks_nothing(
    bot: BotHarness, fake_linear: FakeLinear
) -> None:
    set_up_intake(bot)
    assert connect_linear(bot).status == 200
    request = accepted_request(bot)
    issue = the_issue(fake_linear)
    payload = fake_linear.webhook_payload(issue.id, action="remove")
    fake_linear.delete(issue.id)
    url = f"{bot.server.url}/webhooks/linear"
    assert fake_linear.send_webhook(url, payload, secret=LINEAR_SECRET).status_code == 200
    bot.idle()
    assert "Linear issue OPS-1 was deleted" in json.dumps(card_of(bot, request)["blocks"])
    assert reload(bot, request.id).status == Status.accepted
    calls = len(fake_linear.calls)
    act(bot, Action.done, Callback.done, request, note("Done anyway"))
    bot.idle()
    assert reload(bot, request.id).status == Status.done
    assert len(fake_linear.calls) == calls  # the gone issue is not asked for again


def test_a_refused_key_tells_the_admin_once_and_never_shows_it(
    bot: BotHarness, fake_linear: FakeLinear
) -> None:
    set_up_intake(bot)
    assert connect_linear(bot).status == 200
    fake_linear.api_key = "lin_api_rotated_by_someone"  # the bot's key no longer works
    accepted_request(bot, "First")
    accepted_request(bot, "Second")
    eventually(
        lambda: any("Linear refused the bot" in m.get("text", "") for m in bot.fake.dms_to(ADMIN)),
        what="the admin told",
    )
    bot.idle()
    told = [m for m in bot.fake.dms_to(ADMIN) if "Linear refused the bot" in m.get("text", "")]
    assert len(told) == 1
    assert "Authentication required" in told[0]["text"] and LINEAR_KEY not in told[0]["text"]
    assert fake_linear.live_issues() == []

    fake_linear.api_key = LINEAR_KEY  # fixed on Linear's side; the admin saves again
    assert connect_linear(bot).status == 200
    eventually(lambda: len(fake_linear.live_issues()) == 2, timeout=30, what="missed issues")
    bot.idle()
    assert sorted(i.title for i in fake_linear.live_issues()) == ["First", "Second"]
