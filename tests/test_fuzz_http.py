"""Fuzzing the HTTP surface with Hypothesis: generated requests to `/slack/events` (signed and
unsigned, every content type, shapes around the real ones) and to each webhook.

Whatever comes in: never a 5xx, never a traceback in the log, never a log line of more than a
few kB, and nothing written for a request that is refused. The example budget is fixed and the
generation derandomized, so that CI runs the same few hundred requests in seconds.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import os
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.workspaces.service import issue_webhook_token
from tests.celebrations.fake_hubspot import FakeHubSpot
from tests.celebrations.hubspot_signing import signed_headers
from tests.harness import BotHarness, HttpResult, bot_environment, http
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack

# Per test: a fixed budget of a few seconds, the same examples every run (CI sets nothing).
# FUZZ_EXAMPLES=2000 searches further, by hand.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
LONGEST_LOG_LINE = 4096
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "config" / "manifest.yml").read_text())
COMMANDS = [item["command"] for item in MANIFEST["features"]["slash_commands"]]
EVENTS = [name.split(".")[0] for name in MANIFEST["settings"]["event_subscriptions"]["bot_events"]]


def _ids() -> list[str]:
    """Every action, block, view and callback id the bot declares (each domain's ids.py)."""
    found: set[str] = set()
    for domain in ("intake", "projects", "celebrations", "digests", "privacy", "workspaces"):
        module = importlib.import_module(f"bot.{domain}.ids")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                found.update(member.value for member in value)
    return sorted(found)


IDS = _ids()
TEAMS = ["T1", "T1", "T1", "T0OTHER22", ""]
USERS = ["U1", "U2", "UADMIN", "U404", ""]

# ---------------------------------------------------------------- strategies

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(IDS + USERS + TEAMS + ["2026-11-30", "30", "10:00", '{"p": 1}'])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


# What a text can carry that a database or an encoder may choke on: NUL (PostgreSQL text cannot
# hold it), a lone surrogate (not UTF-8), a long run of multi-byte characters.
POISON = ["\x00", "\ud800", "é" * 3000, "\u202e", "%s%n", "'; --"]


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    children = (
        document.items()
        if isinstance(document, dict)
        else enumerate(document)
        if isinstance(document, list)
        else ()
    )
    for key, value in children:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


@st.composite
def around(draw: st.DrawFn, base: Any) -> Any:
    """`base` with a few of its values dropped or replaced by anything JSON can hold."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(document)
        if not paths:
            break
        *parents, key = draw(st.sampled_from(paths))
        parent = document
        for step in parents:
            parent = parent[step]
        change = draw(st.sampled_from(["drop", "replace", "poison"]))
        if change == "drop":
            del parent[key]
        elif change == "poison" and isinstance(parent[key], str):
            parent[key] += draw(st.sampled_from(POISON))
        else:
            parent[key] = draw(json_values)
    return document


def _payload(built: tuple[str, str]) -> dict[str, Any]:
    return dict(json.loads(dict(parse_qsl(built[0]))["payload"]))


@st.composite
def slack_documents(draw: st.DrawFn) -> tuple[str, Any]:
    """(kind, document): a command's fields, an interaction payload, or an event envelope."""
    team, user, an_id = (
        draw(st.sampled_from(TEAMS)),
        draw(st.sampled_from(USERS)),
        draw(st.sampled_from(IDS)),
    )
    text = draw(st.text(max_size=40) | st.sampled_from(["", "new CPQ", "CPQ", "help"]))
    kind = draw(
        st.sampled_from(["command", "action", "submission", "options", "shortcut", "event"])
    )
    if kind == "command":
        built = signing.slash_command(draw(st.sampled_from(COMMANDS)), text, user, team)
        return kind, dict(parse_qsl(built[0]))
    if kind == "event":
        event = {"type": draw(st.sampled_from(EVENTS)), "user": user, "channel": "C1", "text": text}
        return kind, json.loads(signing.event_callback(event, team_id=team)[0])
    if kind == "action":
        view = draw(st.sampled_from([None, {"id": "VHOME", "type": "home"}]))
        built = signing.block_actions(
            an_id, draw(st.none() | st.text(max_size=30)), user_id=user, team_id=team, view=view
        )
    elif kind == "submission":
        values = {an_id: {an_id: text}, "b2": {draw(st.sampled_from(IDS)): text}}
        metadata = draw(st.text(max_size=40) | st.sampled_from(['{"request_id": 1}', '{"p": 1}']))
        built = signing.view_submission(
            an_id, values, private_metadata=metadata, user_id=user, team_id=team
        )
    elif kind == "options":
        built = signing.block_suggestion(an_id, text, user_id=user, team_id=team)
    else:
        built = signing.message_shortcut(an_id, {"text": text}, user_id=user, team_id=team)
    return kind, _payload(built)


def encode(kind: str, document: Any, how: str) -> tuple[bytes, str | None]:
    """The document as Slack sends it, or as some other client might."""
    if how == "natural":
        if kind == "command":
            fields = {
                str(k): json.dumps(v) if not isinstance(v, str) else v for k, v in document.items()
            }
            return urlencode(fields).encode(), signing.FORM
        if kind == "event":
            return json.dumps(document).encode(), signing.JSON
        return urlencode({"payload": json.dumps(document)}).encode(), signing.FORM
    raw = json.dumps(document).encode()
    return raw, {
        "json": signing.JSON,
        "form-json": signing.FORM,
        "text": "text/plain",
        "multipart": "multipart/form-data; boundary=x",
        "none": None,
    }[how]


encodings = st.sampled_from(
    ["natural", "natural", "natural", "json", "form-json", "text", "multipart", "none"]
)
garbage = st.binary(max_size=300) | st.sampled_from(
    [b"", b"null", b"[]", b"payload=", b"payload=%7B", b"[" * 5000, b"\xff\xfe", b"a=1&a=2"]
)


@st.composite
def slack_bodies(draw: st.DrawFn) -> tuple[bytes, str | None]:
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return draw(garbage), draw(st.sampled_from([signing.FORM, signing.JSON, None]))
    kind, base = draw(slack_documents())
    return encode(kind, draw(around(base)), draw(encodings))


# ---------------------------------------------------------------- the bot under test

HUBSPOT_SECRET = "fuzz-hubspot-client-secret"
HUBSPOT_TOKEN = "pat-na1-fuzz"
SALESFORCE_SECRET = "fuzz-salesforce-shared-secret"


@pytest.fixture
def bot_env(fake_slack: FakeSlack, database_url: str) -> Iterator[dict[str, str]]:
    """The usual bot, with HubSpot configured so that signed deliveries go all the way in."""
    with FakeHubSpot(token=HUBSPOT_TOKEN) as hubspot:
        hubspot.add_owner("7", email="alice@example.com", first="Alice", last="Martin")
        hubspot.add_deal("123", name="ACME", amount="12500", currency="EUR", owner_id="7")
        fake_slack.add_channel(channel_id="CWINS", name="wins")
        yield bot_environment(
            fake_slack,
            database_url,
            HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
            HUBSPOT_ACCESS_TOKEN=HUBSPOT_TOKEN,
            HUBSPOT_API_URL=hubspot.url,
            SALESFORCE_WEBHOOK_SECRET=SALESFORCE_SECRET,
        )


# ---------------------------------------------------------------- checks


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog


def assert_clean_log(caplog: pytest.LogCaptureFixture, what: Any) -> None:
    records = caplog.records
    traced = [r for r in records if r.exc_info or "Traceback" in r.getMessage()]
    assert not traced, (what, [(r.name, r.getMessage()[:200]) for r in traced])
    longest = max((len(r.getMessage()) for r in records), default=0)
    assert longest < LONGEST_LOG_LINE, (what, longest)


def post(bot: BotHarness, path: str, body: bytes, headers: dict[str, str]) -> HttpResult:
    return http("POST", bot.server.url + path, body, headers)


def headers_for(content_type: str | None, **extra: str) -> dict[str, str]:
    return {**({"Content-Type": content_type} if content_type else {}), **extra}


# ---------------------------------------------------------------- /slack/events


@st.composite
def forgeries(draw: st.DrawFn) -> dict[str, str]:
    """Signature headers anyone can send: none, a guess, a good one for another body or time."""
    now = int(time.time())
    timestamp = draw(
        st.sampled_from(["", "abc", "9" * 400, "-1", "1e9", " 1", str(now), str(now - 400)])
        | st.text(max_size=15).filter(lambda value: value.isprintable() and value.isascii())
    )
    signature = draw(
        st.sampled_from(["", "v0=", "v0=" + "0" * 64, "v1=abc"])
        | st.builds(
            lambda ts: signing.SlackSigner(signing.VERIFICATION_TOKEN).signature("x", ts),
            st.just(now),
        )
    )
    headers = {}
    if timestamp:
        headers["X-Slack-Request-Timestamp"] = timestamp
    if signature:
        headers["X-Slack-Signature"] = signature
    return headers


@FUZZ
@given(body=slack_bodies(), forged=forgeries())
def test_fuzz_unsigned_slack_requests_are_refused_and_change_nothing(
    bot: BotHarness,
    logs: pytest.LogCaptureFixture,
    body: tuple[bytes, str | None],
    forged: dict[str, str],
) -> None:
    raw, content_type = body
    logs.clear()
    before, calls = bot.row_counts(), len(bot.fake.calls())
    answer = post(bot, "/slack/events", raw, headers_for(content_type, **forged))
    assert answer.status == 401, (answer.status, raw[:200], forged)
    assert_clean_log(logs, (raw[:200], forged))
    assert bot.row_counts() == before
    assert len(bot.fake.calls()) == calls  # no listener ran


@FUZZ
@given(body=slack_bodies())
def test_fuzz_signed_slack_requests_never_fail(
    bot: BotHarness, logs: pytest.LogCaptureFixture, body: tuple[bytes, str | None]
) -> None:
    raw, content_type = body
    logs.clear()
    timestamp = int(time.time())
    signed = {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": bot.signer.signature(raw, timestamp),
    }
    answer = post(bot, "/slack/events", raw, headers_for(content_type, **signed))
    assert answer.status < 500, (answer.status, raw[:300])
    bot.idle()  # what the listeners log after the ack counts too
    assert_clean_log(logs, raw[:300])


# ---------------------------------------------------------------- webhooks


A_WIN = {
    "winners": [{"email": "bruno@example.com"}, {"slack_id": "U1"}],
    "kind": "expansion",
    "title": "Globex adds 200 seats",
    "amount": 48000,
    "currency": "usd",
    "message": "Upsell after the QBR",
    "source": "salesforce",
    "external_id": "opp-0061",
}
A_PUSH = {
    "values": [
        {
            "project": "CPQ roll-out",
            "kpi": "Win rate",
            "value": 31.5,
            "measured_at": "2026-11-20T08:00:00Z",
        },
        {"project_id": 1, "kpi": "win rate", "value": 29},
    ]
}
A_HUBSPOT = [
    {
        "eventId": 1,
        "subscriptionId": 2,
        "portalId": 62515,
        "occurredAt": 1700000000000,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": 123,
        "propertyName": "dealstage",
        "propertyValue": "closedwon",
    }
]
A_SALESFORCE = {
    "Id": "006000000000001AAA",
    "Name": "ACME",
    "Amount": 12500,
    "CurrencyIsoCode": "EUR",
    "StageName": "Closed Won",
    "IsWon": True,
    "OwnerEmail": "alice@example.com",
    "OwnerName": "Alice Martin",
}
BASES = {
    "/webhooks/wins": A_WIN,
    "/webhooks/kpis": A_PUSH,
    "/webhooks/hubspot": A_HUBSPOT,
    "/webhooks/salesforce": A_SALESFORCE,
}


@st.composite
def webhook_requests(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str | None]]:
    path = draw(st.sampled_from(sorted(BASES)))
    shape = draw(st.integers(min_value=0, max_value=6))
    if shape == 0:
        raw = draw(garbage)
    elif shape == 1:
        raw = json.dumps(draw(json_values)).encode()
    elif shape == 2:  # nesting past any sane depth, closed or not
        depth = draw(st.integers(min_value=60, max_value=100_000))
        raw = b'{"values": ' + b"[" * depth + b"]" * draw(st.sampled_from([0, depth])) + b"}"
    else:
        raw = json.dumps(draw(around(BASES[path]))).encode()
    return (
        path,
        raw,
        {
            "content_type": draw(
                st.sampled_from(["application/json", "application/json", signing.FORM, None])
            ),
            "token": draw(st.sampled_from(["valid", "valid", "valid", "wrong", None])),
            "key": draw(
                st.sampled_from(["push-1", "push-2", "push-3"]) | st.none() | st.text(max_size=250)
            ),
        },
    )


@FUZZ
@given(request=webhook_requests())
def test_fuzz_webhooks_never_fail_and_refusals_change_nothing(
    bot: BotHarness,
    logs: pytest.LogCaptureFixture,
    request: tuple[str, bytes, dict[str, str | None]],
) -> None:
    path, raw, options = request
    token = _token(bot)
    headers: dict[str, str] = {}
    if options["content_type"]:
        headers["Content-Type"] = options["content_type"]
    if options["token"]:
        headers["Authorization"] = f"Bearer {token if options['token'] == 'valid' else 'rvb_x'}"
    if options["key"] is not None and options["key"].isprintable() and options["key"].isascii():
        headers["Idempotency-Key"] = options["key"]
    if path == "/webhooks/hubspot" and options["token"] == "valid":  # HubSpot signs, no token
        text = raw.decode("utf-8", "replace")
        signed = signed_headers(HUBSPOT_SECRET, uri=bot.server.url + path, body=text)
        headers.update({k: v for k, v in signed.items() if k != "Content-Type"})
    if path == "/webhooks/salesforce" and options["token"] == "valid":  # a shared secret
        headers["Authorization"] = f"Bearer {SALESFORCE_SECRET}"
    bot.idle()
    logs.clear()
    before = bot.row_counts()
    answer = post(bot, path, raw, headers)
    assert answer.status < 500, (answer.status, path, raw[:300])
    if answer.status >= 400:
        assert bot.row_counts() == before, (answer.status, path, raw[:300])
    bot.idle()
    assert_clean_log(logs, (path, raw[:300]))


def _token(bot: BotHarness) -> str:
    """One webhook token per bot (the examples of a test share their bot), and what a push or
    a win needs to be accepted: a project, a celebration channel."""
    token: str | None = getattr(bot, "fuzz_token", None)
    if token is None:
        from datetime import UTC, datetime

        from tests.celebrations.helpers import configure
        from tests.projects.helpers import PROJECT_CHANNEL, create_project

        configure(bot)
        bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
        create_project(bot)
        with bot.session() as session:
            token = issue_webhook_token(
                session=session, team_id="T1", created_by="UADMIN", now=datetime.now(UTC)
            )
        bot.fuzz_token = token  # type: ignore[attr-defined]
    return token
