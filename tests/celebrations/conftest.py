"""Celebrations tests: the whole bot with a fake HubSpot CRM API beside the fake Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.celebrations.fake_hubspot import FakeHubSpot
from tests.harness import bot_environment
from tests.slack.fake_slack import FakeSlack

HUBSPOT_SECRET = "test-hubspot-client-secret"
HUBSPOT_TOKEN = "pat-na1-test-token"
WINS_CHANNEL = "CWINS"


@pytest.fixture
def fake_hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(token=HUBSPOT_TOKEN) as fake:
        yield fake


@pytest.fixture
def bot_env(fake_slack: FakeSlack, database_url: str, fake_hubspot: FakeHubSpot) -> dict[str, str]:
    """The bot's environment plus HubSpot: app secret, token, and the fake CRM's URL."""
    fake_slack.add_channel(channel_id=WINS_CHANNEL, name="wins")
    return bot_environment(
        fake_slack,
        database_url,
        HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
        HUBSPOT_ACCESS_TOKEN=HUBSPOT_TOKEN,
        HUBSPOT_API_URL=fake_hubspot.url,
    )
