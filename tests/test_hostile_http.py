"""Anonymous hostile traffic: what anyone on the internet can send, no secret needed.

Every answer is a 4xx with one short log line: never a 500, never a traceback, never the body
in the log, and nothing read past the one body limit of the HTTP app.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, request

from bot.http_limits import MAX_BODY_BYTES, limit_bodies
from bot.runtime import build_runtime
from bot.settings import Settings, load_settings
from bot.workspaces.service import issue_webhook_token
from tests.harness import (
    BotHarness,
    HttpResult,
    LoopbackServer,
    bot_environment,
    http,
    http_chunked,
)
from tests.projects.helpers import PROJECT_CHANNEL, create_project
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack

LONGEST_LOG_LINE = 4096

KINDS = {
    "command": lambda: signing.slash_command("/revops-request", "Pipeline dashboard"),
    "interaction": lambda: signing.block_actions("workspace_issue_webhook_token"),
    "event": lambda: signing.event_callback(
        {"type": "app_home_opened", "user": "U1", "tab": "home"}
    ),
    "options": lambda: signing.block_suggestion("intake_doc_pick", "dash"),
    "url_verification": lambda: signing.url_verification("challenge-1"),
}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record at INFO and above, as production logs them; Bolt's loggers copy the root
    level when the app is built, so they are set here as `configure_logging` would have."""
    caplog.set_level(logging.INFO)
    bolt = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    previous = [(logger, logger.level) for logger in bolt if logger.name.startswith("slack_bolt")]
    for logger, _ in previous:
        logger.setLevel(logging.INFO)
    yield caplog
    for logger, level in previous:
        logger.setLevel(level)


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """No traceback, no long line: what a refused request may leave in the log."""
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    longest = max((len(r.getMessage()) for r in caplog.records), default=0)
    assert longest < LONGEST_LOG_LINE, f"a log line of {longest} characters"


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.requests"]


# ---------------------------------------------------------------- /slack/events


@pytest.mark.parametrize("timestamp", ["abc", "9" * 400, "-1", "1e9", "+1700000000"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_malformed_timestamp_header_is_401_and_one_line(
    bot: BotHarness, logs: pytest.LogCaptureFixture, kind: str, timestamp: str
) -> None:
    body, content_type = KINDS[kind]()
    before = bot.row_counts()
    answer = http(
        "POST",
        bot.server.url + "/slack/events",
        body.encode(),
        {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": bot.signer.signature(body, 0),
        },
    )
    assert answer.status == 401, answer.text
    assert_quiet(logs)
    (line,) = refusals(logs)
    assert line.outcome == 401 and "timestamp" in line.reason.lower()  # type: ignore[attr-defined]
    assert bot.row_counts() == before


def test_an_unsigned_body_is_refused_without_logging_it(
    bot: BotHarness, logs: pytest.LogCaptureFixture
) -> None:
    body = "payload=" + "x" * (MAX_BODY_BYTES - 100)  # under the limit: read, then refused
    answer = http(
        "POST", bot.server.url + "/slack/events", body.encode(), {"Content-Type": signing.FORM}
    )
    assert answer.status == 401
    assert_quiet(logs)
    (line,) = refusals(logs)
    assert (line.method, line.path, line.bytes) == (  # type: ignore[attr-defined]
        "POST",
        "/slack/events",
        len(body),
    )


def test_unsigned_garbage_is_401_before_anything_parses_it(
    bot: BotHarness, logs: pytest.LogCaptureFixture
) -> None:
    for body, content_type in [
        ('{"type": "event_callback", "event": {', signing.JSON),
        ("[" * 100_000, signing.JSON),
        ("payload=%5B1%2C2%5D", signing.FORM),
        ("null", signing.JSON),
    ]:
        answer = http(
            "POST", bot.server.url + "/slack/events", body.encode(), {"Content-Type": content_type}
        )
        assert answer.status == 401, (body[:40], answer.status)
    assert_quiet(logs)


def test_a_body_over_the_limit_is_413_on_every_route(
    bot: BotHarness, logs: pytest.LogCaptureFixture
) -> None:
    big = b"a=" + b"x" * (10 * 1024 * 1024)
    paths = (
        "/slack/events",
        "/webhooks/wins",
        "/webhooks/kpis",
        "/webhooks/hubspot",
        "/webhooks/salesforce",
    )
    for path in paths:
        answer = http("POST", bot.server.url + path, big, {"Content-Type": signing.FORM})
        assert answer.status == 413, (path, answer.status)
        assert answer.json == {"error": "body too large", "limit_bytes": MAX_BODY_BYTES}
    assert_quiet(logs)
    assert [r.path for r in refusals(logs)] == [  # type: ignore[attr-defined]
        "/slack/events",
        "/webhooks/wins",
        "/webhooks/kpis",
        "/webhooks/hubspot",
        "/webhooks/salesforce",
    ]


# ---------------------------------------------------------------- webhooks


def a_project(bot: BotHarness) -> None:
    bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    create_project(bot)


def a_token(bot: BotHarness) -> str:
    with bot.session() as session:
        return issue_webhook_token(
            session=session, team_id="T1", created_by="UADMIN", now=datetime.now(UTC)
        )


def padded(document: Any, size: int) -> bytes:
    """A valid JSON document made `size` bytes long with trailing spaces."""
    text = json.dumps(document).encode()
    return text + b" " * (size - len(text))


def kpi_push(measured_at: str = "2026-11-20T08:00:00Z") -> dict[str, Any]:
    return {
        "values": [
            {
                "project": "CPQ roll-out",
                "kpi": "Win rate",
                "value": 31.5,
                "measured_at": measured_at,
            }
        ]
    }


def post_kpis(bot: BotHarness, body: bytes, token: str, key: str = "push-1") -> HttpResult:
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key,
    }
    return http("POST", bot.server.url + "/webhooks/kpis", body, headers)


def test_kpis_refuse_a_body_over_the_limit(bot: BotHarness) -> None:
    a_project(bot)
    token = a_token(bot)
    answer = post_kpis(bot, padded(kpi_push(), 10 * 1024 * 1024), token)
    assert answer.status == 413
    assert kpi_rows(bot) == {"project_kpi_pushes": 0, "project_kpi_values": 0}


def kpi_rows(bot: BotHarness) -> dict[str, int]:
    counts = bot.row_counts()
    return {name: counts[name] for name in ("project_kpi_pushes", "project_kpi_values")}


def a_win() -> dict[str, Any]:
    return {
        "winners": [{"slack_id": "U1"}],
        "kind": "expansion",
        "title": "Globex adds seats",
        "source": "salesforce",
        "external_id": "opp-0061",
    }


def test_wins_refuse_a_chunked_body_over_the_limit(
    bot: BotHarness, logs: pytest.LogCaptureFixture
) -> None:
    token = a_token(bot)
    before = bot.row_counts()
    body = padded(a_win(), 10 * 1024 * 1024)
    chunks = (body[start : start + 65536] for start in range(0, len(body), 65536))
    answer = http_chunked(
        bot.server.url + "/webhooks/wins",
        chunks,
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert answer.status == 413
    assert bot.row_counts() == before
    assert_quiet(logs)

    # Under the limit, a chunked body is read as any other.
    small = padded(a_win(), 3000)
    accepted = http_chunked(
        bot.server.url + "/webhooks/wins",
        [small[:1000], small[1000:]],
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert accepted.status == 202, accepted.text


@pytest.mark.parametrize("path", ["/webhooks/wins", "/webhooks/kpis"])
def test_deeply_nested_json_is_400_with_a_reason(
    bot: BotHarness, logs: pytest.LogCaptureFixture, path: str
) -> None:
    token = a_token(bot)
    before = bot.row_counts()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": "deep",
    }
    for body in (b"[" * 100_000, b'{"values": ' + b"[" * 500 + b"]" * 500 + b"}"):
        answer = http("POST", bot.server.url + path, body, headers)
        assert answer.status == 400, answer.text
        assert "nested" in json.dumps(answer.json)
    assert bot.row_counts() == before
    assert_quiet(logs)


def test_a_kpi_reading_from_the_far_future_is_refused_naming_the_field(bot: BotHarness) -> None:
    a_project(bot)
    token = a_token(bot)
    for index, when in enumerate(
        ["9999-12-31T00:00:00Z", (datetime.now(UTC) + timedelta(days=2)).isoformat()]
    ):
        answer = post_kpis(bot, json.dumps(kpi_push(when)).encode(), token, key=f"future-{index}")
        assert answer.status == 400, answer.text
        assert [item["field"] for item in answer.json["fields"]] == ["values.0.measured_at"]
        assert "future" in answer.json["fields"][0]["problem"]
    assert kpi_rows(bot) == {"project_kpi_pushes": 0, "project_kpi_values": 0}

    # A clock a few hours ahead of ours is not the future.
    soon = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    answer = post_kpis(bot, json.dumps(kpi_push(soon)).encode(), token, key="soon")
    assert answer.status == 200, answer.text


def test_the_limit_is_exact_for_declared_and_streamed_bodies() -> None:
    """werkzeug alone would read a chunked body up to the limit and go on with it truncated."""
    web = Flask("limits")
    limit_bodies(web, max_bytes=1000)
    web.post("/echo")(lambda: {"read": len(request.get_data())})
    server = LoopbackServer(web)
    try:
        for size in (999, 1000, 1001, 5000):
            body = b"x" * size
            declared = http("POST", server.url + "/echo", body)
            streamed = http_chunked(server.url + "/echo", [body[:600], body[600:]])
            for answer in (declared, streamed):
                if size <= 1000:
                    assert (answer.status, answer.json) == (200, {"read": size})
                else:
                    assert answer.status == 413
    finally:
        server.stop()


@pytest.mark.parametrize("poison", ["\\u0000", "\\ud800"])
def test_text_no_database_can_store_is_400_not_500(
    bot: BotHarness, logs: pytest.LogCaptureFixture, poison: str
) -> None:
    """Valid JSON escapes, but PostgreSQL cannot hold NUL and nothing encodes a lone surrogate."""
    token = a_token(bot)
    body = json.dumps(a_win()).replace("Globex adds seats", f"Globex{poison}adds seats")
    before = bot.row_counts()
    answer = http(
        "POST",
        bot.server.url + "/webhooks/wins",
        body.encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert answer.status == 400, answer.text
    assert "NUL character or an unpaired surrogate" in json.dumps(answer.json)
    assert bot.row_counts() == before
    assert_quiet(logs)


def test_webhooks_answer_503_in_one_line_while_the_database_is_down(
    fake_slack: FakeSlack, logs: pytest.LogCaptureFixture
) -> None:
    environment = bot_environment(fake_slack, "postgresql+psycopg://revops:pw@127.0.0.1:1/revops")
    harness = BotHarness(
        build_runtime(load_settings(Settings, **environment)), fake_slack, environment
    )
    try:
        headers = {"Content-Type": "application/json", "Authorization": "Bearer rvb_anything"}
        for path in ("/webhooks/wins", "/webhooks/kpis"):
            answer = http("POST", harness.server.url + path, json.dumps(a_win()).encode(), headers)
            assert answer.status == 503, (path, answer.status)
            assert answer.headers["retry-after"] == "60"
        assert_quiet(logs)
        assert [r.outcome for r in refusals(logs)] == [503, 503]  # type: ignore[attr-defined]
    finally:
        harness.close()
