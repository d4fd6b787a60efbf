"""Drive the bot the way Slack does: signed HTTP requests to a real server, a fake Web API.

`BotHarness` serves the bot's WSGI app on a loopback port (werkzeug, threaded) and posts signed
requests built by tests/slack/signing.py; the bot talks to FakeSlack through SLACK_API_URL.
"""

from __future__ import annotations

import http.client as http_client
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from bot.cli import main as cli_main
from bot.db import session_scope
from bot.db.all_models import Base
from bot.runtime import Runtime
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import SlackSigner

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"


def bot_environment(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    """The environment a bot process under test runs with."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        **extra,
    }


@dataclass
class HttpResult:
    status: int
    body: bytes
    headers: dict[str, str]  # lower-case names
    elapsed: float

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode()


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> HttpResult:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            content = response.read()
            status, response_headers = response.status, _lower_keys(response.headers)
    except urllib.error.HTTPError as error:
        content, status, response_headers = error.read(), error.code, _lower_keys(error.headers)
    return HttpResult(status, content, response_headers, time.perf_counter() - started)


def http_chunked(
    url: str, chunks: Iterable[bytes], headers: dict[str, str] | None = None
) -> HttpResult:
    """POST with `Transfer-Encoding: chunked` (no Content-Length), as streaming clients send."""
    parsed = urllib.parse.urlsplit(url)
    connection = http_client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request(
            "POST", parsed.path, body=iter(chunks), headers=headers or {}, encode_chunked=True
        )
        response = connection.getresponse()
        content = response.read()
        return HttpResult(
            response.status, content, _lower_keys(response.headers), time.perf_counter() - started
        )
    finally:
        connection.close()


logging.getLogger("werkzeug").setLevel(logging.WARNING)


def eventually(read: Callable[[], Any], *, timeout: float = 10.0, what: str = "") -> Any:
    """`read()`'s value as soon as it is truthy; AssertionError naming `what` if it is not
    within `timeout` seconds.

    For what happens outside the bot's threads: another process, a server coming up, the fake
    Slack finishing a held call, a retry's backoff running out. The bot's own work after an
    ack (listeners, background work, the outbox) is awaited with `BotHarness.idle()`, after
    which a plain assert says what must be true."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"not within {timeout}s: {what or getattr(read, '__name__', read)} "
                f"(last value: {value!r})"
            )
        time.sleep(0.02)


def _lower_keys(headers: Any) -> dict[str, str]:
    """Header names lower-cased: servers spell them as they like."""
    return {name.lower(): value for name, value in headers.items()}


class LoopbackServer:
    """A WSGI app on 127.0.0.1:<free port>, in a thread."""

    def __init__(self, wsgi_app: Any) -> None:
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # serve_forever polls for shutdown every 0.5 s by default: every test's teardown
        # would wait that long.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


class BotHarness:
    def __init__(self, runtime: Runtime, fake: FakeSlack, environment: dict[str, str]) -> None:
        self.runtime = runtime
        self.fake = fake
        self.environment = environment
        self.signer = SlackSigner(SIGNING_SECRET)
        self.server = LoopbackServer(runtime.web_app)

    def close(self) -> None:
        self.server.stop()
        self.runtime.wait_idle(timeout=10)
        self.runtime.bolt_app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
        self.runtime.close()

    def idle(self, timeout: float = 10.0) -> None:
        """Wait until the bot has nothing left to do: listeners after their ack, background
        work, and the outbox's deliveries (a send waiting for its retry does not count)."""
        if not self.runtime.wait_idle(timeout):
            raise AssertionError(
                f"the bot is still busy after {timeout}s: {self.runtime.outbox.state()}"
            )

    # ------------------------------------------------------------ HTTP

    def get(self, path: str) -> HttpResult:
        return http("GET", self.server.url + path)

    def post_slack(
        self,
        built: tuple[str, str],
        *,
        retry_num: int | None = None,
        timestamp: int | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        body, content_type = built
        if signed:
            request_headers = self.signer.headers(
                body, timestamp=timestamp, retry_num=retry_num, content_type=content_type
            )
        else:
            request_headers = {"Content-Type": content_type}
        request_headers.update(headers or {})
        return http("POST", self.server.url + "/slack/events", body.encode(), request_headers)

    # ------------------------------------------------------------ what Slack sends

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U1",
        team: str = "T1",
        channel: str = "C1",
        retry_num: int | None = None,
    ) -> HttpResult:
        built = signing.slash_command(
            command,
            text,
            user_id=user,
            team_id=team,
            channel_id=channel,
            trigger_id=self.fake.new_trigger_id(),
        )
        return self.post_slack(built, retry_num=retry_num)

    def action(self, action_id: str, value: Any = None, **kwargs: Any) -> HttpResult:
        kwargs.setdefault("trigger_id", self.fake.new_trigger_id())
        return self.post_slack(signing.block_actions(action_id, value, **kwargs))

    def submit(
        self, callback_id: str, values: dict[str, dict[str, Any]] | None = None, **kwargs: Any
    ) -> HttpResult:
        return self.post_slack(signing.view_submission(callback_id, values, **kwargs))

    def shortcut(
        self, callback_id: str, message: dict[str, Any] | None = None, **kwargs: Any
    ) -> HttpResult:
        kwargs.setdefault("trigger_id", self.fake.new_trigger_id())
        return self.post_slack(signing.message_shortcut(callback_id, message, **kwargs))

    def event(
        self,
        event: dict[str, Any],
        *,
        team: str = "T1",
        retry_num: int | None = None,
        event_id: str | None = None,
        event_time: int | None = None,
    ) -> HttpResult:
        built = signing.event_callback(
            event, team_id=team, event_id=event_id, event_time=event_time
        )
        return self.post_slack(built, retry_num=retry_num)

    # ------------------------------------------------------------ the bot's side

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.runtime.services.session_factory) as session:
            yield session

    def row_counts(self) -> dict[str, int]:
        """How many rows each table holds: a refused request must leave every count as it was."""
        with self.session() as session:
            return {
                name: session.scalar(select(func.count()).select_from(table)) or 0
                for name, table in sorted(Base.metadata.tables.items())
            }

    def cli(self, *args: str, monkeypatch: Any) -> int:
        """Run `revops-bot ARGS` in-process with this bot's environment."""
        for name, value in self.environment.items():
            monkeypatch.setenv(name, value)
        return cli_main(list(args))

    def jobs_run(
        self, kind: str, *, monkeypatch: Any, now: datetime | None = None, team: str | None = None
    ) -> int:
        args = ["jobs", "run", kind]
        if team:
            args += ["--team", team]
        if now:
            args += ["--now", now.isoformat()]
        return self.cli(*args, monkeypatch=monkeypatch)
