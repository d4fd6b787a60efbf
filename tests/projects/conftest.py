from __future__ import annotations

import pytest

from tests.projects.helpers import PROJECT_CHANNEL
from tests.slack.fake_slack import FakeSlack


@pytest.fixture(autouse=True)
def project_channels(fake_slack: FakeSlack) -> None:
    """The project's channel (the bot is in it), a public one it is not in, a private one."""
    fake_slack.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    fake_slack.add_channel(channel_id="COUT", name="sales-ops", is_member=False)
    fake_slack.add_channel(channel_id="CPRIV", name="secret-ops", is_private=True, is_member=False)
    fake_slack.add_channel(channel_id="CREPORT", name="revops-flash")
