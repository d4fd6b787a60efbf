"""Socket Mode gets its payloads parsed from the WebSocket: the same refusal as over HTTP for a
shape Bolt cannot take apart (acked, one line), the same workspace pin, the same listeners."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.runtime import Runtime, build_runtime
from bot.settings import Settings, load_settings
from bot.slack.client import build_client
from bot.slack.socket_mode import LoggedSocketModeHandler, socket_mode_handler
from tests.harness import SIGNING_SECRET
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack


class RecordingClient:
    """The part of slack_sdk's Socket Mode client a handler answers through."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("tests.socket_mode")
        self.responses: list[SocketModeResponse] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.responses.append(response)


@pytest.fixture
def socket_bot(fake_slack: FakeSlack, database_url: str) -> Iterator[tuple[Runtime, Any]]:
    settings = load_settings(
        Settings,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN="xapp-1-A1-test",
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=database_url,
    )
    runtime = build_runtime(settings)
    handler = socket_mode_handler(
        runtime.bolt_app, app_token="xapp-1-A1-test", web_client=build_client(settings)
    )
    yield runtime, handler
    runtime.bolt_app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
    runtime.engine.dispose()


def deliver(handler: LoggedSocketModeHandler, kind: str, payload: Any) -> RecordingClient:
    client = RecordingClient()
    handler.handle(client, SocketModeRequest(type=kind, envelope_id="E1", payload=payload))  # type: ignore[arg-type]
    return client


def interaction(built: tuple[str, str]) -> dict[str, Any]:
    return dict(json.loads(dict(parse_qsl(built[0]))["payload"]))


def test_a_payload_bolt_cannot_take_apart_is_acked_with_one_line(
    socket_bot: tuple[Runtime, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runtime, handler = socket_bot
    click = interaction(signing.block_actions("workspace_issue_webhook_token", user_id="UADMIN"))
    for payload in ({**click, "actions": []}, {**click, "authorizations": [5]}, {"event": "x"}):
        client = deliver(handler, "interactive", payload)
        assert [r.envelope_id for r in client.responses] == ["E1"]
    assert runtime.wait_idle(timeout=10), runtime.outbox.state()
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    # At the door ("slack request", reason), or from Bolt's middleware by the one error path.
    said = [r.getMessage() + str(vars(r).get("reason")) for r in lines]
    assert len(lines) == 3 and all("unreadable" in line for line in said), said
    assert not [r for r in caplog.records if r.exc_info]


def test_a_good_event_still_reaches_its_listener(
    socket_bot: tuple[Runtime, Any], fake_slack: FakeSlack
) -> None:
    _runtime, handler = socket_bot
    event = json.loads(
        signing.event_callback({"type": "app_home_opened", "user": "U1", "tab": "home"})[0]
    )
    client = deliver(handler, "events_api", event)
    assert [r.envelope_id for r in client.responses] == ["E1"]
    fake_slack.wait_for("views.publish")
