"""The Slack connection modes: single-workspace token (default), OAuth install, Socket Mode."""

from __future__ import annotations

import contextlib
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.runtime import build_runtime
from bot.settings import Settings, SlackMode, load_settings
from bot.slack import oauth_tables
from bot.slack.client import build_client
from bot.slack.socket_mode import socket_mode_handler
from tests.harness import SIGNING_SECRET, BotHarness, http
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import event_callback


@pytest.fixture
def oauth_bot(fake_slack: FakeSlack, database_url: str) -> Iterator[BotHarness]:
    environment = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
    }
    settings = load_settings(Settings, **environment)
    assert settings.slack_mode is SlackMode.oauth
    harness = BotHarness(build_runtime(settings), fake_slack, environment)
    yield harness
    harness.close()


def test_oauth_install_stores_the_workspace_and_serves_it(oauth_bot: BotHarness) -> None:
    fake = oauth_bot.fake
    fake.add_workspace(team_id="T2", token="xoxb-T2", bot_user_id="UBOT2")
    fake.add_user(team_id="T2", user_id="U9", tz="Europe/Paris", locale="fr-FR")

    install = oauth_bot.get("/slack/install")
    assert install.status == 200
    authorize_url = next(
        part.split('"')[0]
        for part in install.text.split('href="')[1:]
        if "oauth/v2/authorize" in part
    ).replace("&amp;", "&")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize_url).query)
    assert authorize_url.startswith(fake.url.removesuffix("api/"))  # same host as the Web API
    assert query["client_id"] == ["111.222"]
    assert "chat:write" in query["scope"][0].split(",")
    state = query["state"][0]
    cookie = install.headers["set-cookie"].split(";")[0]

    fake.oauth_codes["code-1"] = {"team_id": "T2", "user_id": "U9"}
    callback = http(
        "GET",
        f"{oauth_bot.server.url}/slack/oauth_redirect?code=code-1&state={state}",
        headers={"Cookie": cookie},
    )
    assert callback.status == 200, callback.text
    with oauth_bot.session() as session:
        installed = session.execute(select(oauth_tables.installations.c.team_id)).scalars().all()
    assert installed == ["T2"]

    # A request from the new workspace is served with that workspace's token.
    home = event_callback({"type": "app_home_opened", "user": "U9", "tab": "home"}, team_id="T2")
    assert oauth_bot.post_slack(home).status == 200
    (publish,) = fake.wait_for("views.publish")
    assert publish.team_id == "T2" and publish.args["user_id"] == "U9"


def test_oauth_callback_with_a_forged_state_installs_nothing(oauth_bot: BotHarness) -> None:
    oauth_bot.fake.oauth_codes["code-2"] = {"team_id": "T3"}
    callback = http("GET", f"{oauth_bot.server.url}/slack/oauth_redirect?code=code-2&state=forged")
    assert callback.status >= 400
    assert oauth_bot.fake.calls("oauth.v2.access") == []
    with oauth_bot.session() as session:
        assert session.execute(select(oauth_tables.installations)).all() == []


def test_socket_mode_opens_its_connection_through_the_configured_api(
    fake_slack: FakeSlack, database_url: str
) -> None:
    settings = load_settings(
        Settings,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN="xapp-1-A1-test",
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=database_url,
    )
    assert settings.slack_mode is SlackMode.socket
    runtime = build_runtime(settings)
    handler = socket_mode_handler(
        runtime.bolt_app, app_token="xapp-1-A1-test", web_client=build_client(settings)
    )
    connecting = threading.Thread(target=_try_connect, args=(handler,), daemon=True)
    connecting.start()
    (opened,) = fake_slack.wait_for("apps.connections.open", timeout=10)
    assert opened.ok  # the fake accepted the xapp- token; the WebSocket URL it gives is a dead end
    # Stop its reconnect loop for good: it would go on calling the fake after this test.
    handler.client.auto_reconnect_enabled = False  # type: ignore[attr-defined]
    connecting.join(timeout=10)
    handler.close()
    runtime.engine.dispose()


def _try_connect(handler: object) -> None:
    # The fake's WebSocket URL is unreachable on purpose.
    with contextlib.suppress(Exception):
        handler.connect()  # type: ignore[attr-defined]


def test_token_mode_is_the_default(fake_slack: FakeSlack, database_url: str) -> None:
    settings = load_settings(
        Settings,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=database_url,
    )
    assert settings.slack_mode is SlackMode.single_workspace
    runtime = build_runtime(settings)
    # Bolt checked the token at start-up, against the configured API, not slack.com.
    assert [call.method for call in fake_slack.calls()] == ["auth.test"]
    runtime.engine.dispose()
