"""Trackers tests: the whole bot with a fake Jira REST API on loopback beside the fake Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import bot_environment
from tests.slack.fake_slack import FakeSlack
from tests.trackers.contract import JIRA_EMAIL, JIRA_PAT, JIRA_TOKEN, jira_env
from tests.trackers.fake_jira import FakeJira

JIRA_WEBHOOK_SECRET = "jira-webhook-secret-42"


@pytest.fixture
def jira_cloud() -> bool:
    return True


@pytest.fixture
def fake_jira(jira_cloud: bool) -> Iterator[FakeJira]:
    with FakeJira(email=JIRA_EMAIL, api_token=JIRA_TOKEN, pat=JIRA_PAT, cloud=jira_cloud) as fake:
        yield fake


@pytest.fixture
def bot_env(
    fake_slack: FakeSlack, database_url: str, fake_jira: FakeJira, jira_cloud: bool
) -> dict[str, str]:
    return bot_environment(
        fake_slack,
        database_url,
        JIRA_WEBHOOK_SECRET=JIRA_WEBHOOK_SECRET,
        JIRA_HOURS_PER_STORY_POINT="3",
        **jira_env(fake_jira, cloud=jira_cloud),
    )
