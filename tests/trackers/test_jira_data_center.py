"""Jira Data Center: a personal access token (bearer), offset-paged search, and a webhook that
cannot sign and sends the shared secret in its URL instead."""

from __future__ import annotations

import json

import pytest

from bot.intake.models import Status
from tests.harness import BotHarness, http
from tests.intake.helpers import reload, set_up_intake
from tests.trackers.conftest import JIRA_WEBHOOK_SECRET
from tests.trackers.contract import JIRA_PAT
from tests.trackers.fake_jira import FakeJira
from tests.trackers.helpers import accepted_request, connect_jira


@pytest.fixture
def jira_cloud() -> bool:
    return False


def test_data_center_with_a_token_and_a_secret_in_the_url(
    bot: BotHarness, fake_jira: FakeJira
) -> None:
    set_up_intake(bot)
    assert connect_jira(bot).status == 200
    request = accepted_request(bot)
    assert [i.key for i in fake_jira.issues.values()] == ["OPS-1"]
    assert {r.authorization for r in fake_jira.requests} == {f"Bearer {JIRA_PAT}"}
    assert fake_jira.calls("/rest/api/2/search") and not fake_jira.calls("/rest/api/2/search/jql")

    fake_jira.move("OPS-1", "In Progress")
    body = json.dumps(fake_jira.webhook_body("OPS-1")).encode()
    url = f"{bot.server.url}/webhooks/jira"
    headers = {"Content-Type": "application/json"}
    assert http("POST", url + "?secret=wrong", body, headers).status == 401
    assert http("POST", url, body, headers).status == 401
    bot.idle()
    assert reload(bot, request.id).status == Status.accepted
    assert http("POST", f"{url}?secret={JIRA_WEBHOOK_SECRET}", body, headers).status == 200
    bot.idle()
    assert reload(bot, request.id).status == Status.in_progress
