"""Linear webhook deliveries: the signature and replay guard, then what an Issue event says.
Bodies come from the fake Linear (the shape Linear sends); junk comes from Hypothesis."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.settings import Settings, load_settings
from bot.trackers.client import IssueStatus
from bot.trackers.linear_webhooks import (
    SIGNATURE_HEADER,
    LinearWebhookMalformed,
    LinearWebhookRefused,
    issue_event,
    parse_webhook,
    sign,
    verify,
    verify_webhook,
)
from tests.trackers.fake_linear import FakeLinear

SECRET = "lin_wh_test_signing_secret"


@pytest.fixture
def fake() -> Iterator[FakeLinear]:
    with FakeLinear() as linear:
        linear.add_team("OPS")
        yield linear


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def test_a_signed_fresh_issue_update_is_read(fake: FakeLinear) -> None:
    issue = fake.add_issue(estimate=3)
    fake.move(issue.id, "Done")
    body = body_of(fake.webhook_payload(issue.id))

    payload = verify(body=body, signature=sign(body, SECRET), secret=SECRET)
    state = issue_event(payload, hours_per_point=4)

    assert state is not None
    assert (state.ref.issue_id, state.ref.key) == (issue.id, issue.identifier)
    assert state.ref.url == issue.url
    assert state.status is IssueStatus.done and state.estimate_hours == 12.0
    assert state.updated_at == issue.updated_at and not state.deleted


def test_the_signature_is_checked_on_the_raw_bytes(fake: FakeLinear) -> None:
    body = body_of(fake.webhook_payload(fake.add_issue().id))
    signature = sign(body, SECRET)
    assert verify(body=body, signature=signature.upper(), secret=SECRET)  # hex, any case
    reformatted = json.dumps(json.loads(body), indent=2).encode()  # same JSON, other bytes
    with pytest.raises(LinearWebhookRefused, match="does not match"):
        verify(body=reformatted, signature=signature, secret=SECRET)


@pytest.mark.parametrize(
    "signature",
    [None, "", "0" * 64, "not hex at all", "é" * 64, sign(b"{}", SECRET)],
    ids=["missing", "empty", "zeros", "junk", "non-ascii", "another-body"],
)
def test_a_missing_or_wrong_signature_is_refused(fake: FakeLinear, signature: str | None) -> None:
    body = body_of(fake.webhook_payload(fake.add_issue().id))
    with pytest.raises(LinearWebhookRefused):
        verify(body=body, signature=signature, secret=SECRET)


def test_a_signature_with_another_secret_is_refused(fake: FakeLinear) -> None:
    body = body_of(fake.webhook_payload(fake.add_issue().id))
    with pytest.raises(LinearWebhookRefused):
        verify(body=body, signature=sign(body, "another secret"), secret=SECRET)
    with pytest.raises(LinearWebhookRefused, match="LINEAR_WEBHOOK_SECRET"):
        verify(body=body, signature=sign(body, ""), secret="")


@pytest.mark.parametrize(
    ("age", "fresh"),
    [
        (timedelta(seconds=59), True),
        (timedelta(seconds=-59), True),
        (timedelta(seconds=61), False),
        (timedelta(seconds=-61), False),
        (timedelta(days=2), False),
    ],
)
def test_a_delivery_more_than_a_minute_from_now_is_a_replay(
    fake: FakeLinear, age: timedelta, fresh: bool
) -> None:
    now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    body = body_of(fake.webhook_payload(fake.add_issue().id, timestamp=now - age))
    if fresh:
        assert verify(body=body, signature=sign(body, SECRET), secret=SECRET, now=now)
    else:
        with pytest.raises(LinearWebhookRefused, match="webhookTimestamp"):
            verify(body=body, signature=sign(body, SECRET), secret=SECRET, now=now)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"type": "Issue"}', "webhookTimestamp"),
        (b'{"webhookTimestamp": "1733371200000"}', "webhookTimestamp"),
        (b'{"webhookTimestamp": true}', "webhookTimestamp"),
        (b'{"webhookTimestamp": NaN}', "webhookTimestamp"),
        (b'{"webhookTimestamp": Infinity}', "webhookTimestamp"),
        (b'{"webhookTimestamp": 1' + b"0" * 400 + b"}", "webhookTimestamp"),
    ],
)
def test_a_signed_but_unreadable_body_is_malformed(body: bytes, reason: str) -> None:
    with pytest.raises(LinearWebhookMalformed, match=reason):
        verify(body=body, signature=sign(body, SECRET), secret=SECRET)


def test_a_removed_issue_is_deleted(fake: FakeLinear) -> None:
    issue = fake.add_issue()
    state = issue_event(fake.webhook_payload(issue.id, action="remove"), hours_per_point=4)
    assert state is not None and state.deleted and state.ref.issue_id == issue.id


def test_an_issue_archived_or_trashed_by_an_update_is_deleted(fake: FakeLinear) -> None:
    issue = fake.add_issue()
    fake.archive(issue.id, trash=True)
    state = issue_event(fake.webhook_payload(issue.id), hours_per_point=4)
    assert state is not None and state.deleted


def test_a_created_issue_is_read(fake: FakeLinear) -> None:
    issue = fake.add_issue(state="In Progress")
    state = issue_event(fake.webhook_payload(issue.id, action="create"), hours_per_point=4)
    assert state is not None and state.status is IssueStatus.in_progress


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "Comment", "action": "create", "data": {"id": "c", "body": "hi"}},
        {"type": "Project", "action": "update", "data": {}},
        {"type": "IssueLabel", "action": "remove", "data": None},
        {"type": "Issue", "action": "restore", "data": {}},
        {"type": "AgentSessionEvent", "action": "created", "agentSession": {}},
    ],
)
def test_anything_but_an_issue_create_update_or_remove_is_nothing(payload: dict[str, Any]) -> None:
    assert issue_event(payload, hours_per_point=4) is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"action": "update", "data": {}}, "type"),
        ({"type": 3, "action": "update"}, "type"),
        ({"type": "Issue", "data": {}}, "action"),
        ({"type": "Issue", "action": "update"}, "data"),
        ({"type": "Issue", "action": "update", "data": []}, "data"),
        ({"type": "Issue", "action": "update", "data": {"updatedAt": "2026-12-05T04:00Z"}}, "id"),
        ({"type": "Issue", "action": "update", "data": {"id": "i"}}, "updatedAt"),
        (
            {"type": "Issue", "action": "update", "data": {"id": "i", "updatedAt": "yesterday"}},
            "ISO 8601",
        ),
    ],
)
def test_an_issue_event_missing_what_it_needs_is_malformed(
    payload: dict[str, Any], reason: str
) -> None:
    with pytest.raises(LinearWebhookMalformed, match=reason):
        issue_event(payload, hours_per_point=4)


@pytest.mark.parametrize("estimate", ["3", True, 10**400, -1, float("nan"), None])
def test_an_estimate_that_is_not_a_count_of_points_is_no_estimate(estimate: Any) -> None:
    data = {"id": "i", "updatedAt": "2026-12-05T04:00:00Z", "estimate": estimate}
    state = issue_event({"type": "Issue", "action": "update", "data": data}, hours_per_point=4)
    assert state is not None and state.estimate_hours is None


def test_odd_fields_are_read_leniently() -> None:
    data = {
        "id": "i",
        "updatedAt": "2026-12-05T04:00:00",  # no zone: UTC
        "estimate": "3",  # not a number: no estimate
        "state": "Done",  # not an object: no status
        "url": 12,
    }
    state = issue_event({"type": "Issue", "action": "update", "data": data}, hours_per_point=4)
    assert state is not None
    assert state.updated_at == datetime(2026, 12, 5, 4, tzinfo=UTC)
    assert (state.estimate_hours, state.status, state.ref.url, state.ref.key) == (
        None,
        None,
        "",
        "i",
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    ["type", "action", "data", "id", "updatedAt", "state", "estimate", "url", "identifier"]
)
ISSUE_LIKE = st.fixed_dictionaries(
    {"type": st.just("Issue") | JSON, "action": st.sampled_from(["update", "remove"]) | JSON},
    optional={"data": st.dictionaries(FIELDS | st.text(max_size=8), JSON, max_size=6) | JSON},
)


@settings(max_examples=300, deadline=None)
@given(payload=st.dictionaries(FIELDS | st.text(max_size=8), JSON, max_size=6) | ISSUE_LIKE)
def test_junk_payloads_are_nothing_an_issue_or_malformed_never_a_crash(
    payload: dict[str, Any],
) -> None:
    try:
        state = issue_event(payload, hours_per_point=4)
    except LinearWebhookMalformed as refusal:
        assert str(refusal)
        return
    assert state is None or state.ref.issue_id


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=200) | JSON.map(lambda value: json.dumps(value).encode()))
def test_junk_signed_bodies_are_a_payload_or_malformed_never_a_crash(body: bytes) -> None:
    now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    try:
        payload = verify(body=body, signature=sign(body, SECRET), secret=SECRET, now=now)
    except (LinearWebhookMalformed, LinearWebhookRefused) as refusal:
        assert str(refusal)
        return
    assert isinstance(payload, dict)


class _Receiver:
    """A loopback endpoint that records what the fake Linear posts to it."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []

    def __enter__(self) -> _Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/linear"


def test_the_fake_sends_deliveries_the_verification_accepts(fake: FakeLinear) -> None:
    issue = fake.add_issue()
    with _Receiver() as receiver:
        answer = fake.send_webhook(receiver.url, fake.webhook_payload(issue.id), secret=SECRET)
        bad = fake.send_webhook(
            receiver.url, fake.webhook_payload(issue.id), secret=SECRET, signature="0" * 64
        )
    assert answer.status_code == bad.status_code == 200
    (headers, body), (bad_headers, bad_body) = receiver.received
    assert headers["Linear-Event"] == "Issue" and headers["Linear-Delivery"]
    payload = verify(body=body, signature=headers["Linear-Signature"], secret=SECRET)
    assert payload["data"]["id"] == issue.id
    with pytest.raises(LinearWebhookRefused):
        verify(body=bad_body, signature=bad_headers["Linear-Signature"], secret=SECRET)


def linear_settings(secret: str | None = SECRET) -> Settings:
    extra = {"LINEAR_WEBHOOK_SECRET": secret} if secret is not None else {}
    return load_settings(
        Settings,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        LINEAR_API_KEY="lin_api_x",
        LINEAR_HOURS_PER_POINT=2,
        **extra,
    )


def test_the_route_functions_verify_then_read(fake: FakeLinear) -> None:
    issue = fake.add_issue(estimate=5, state="Done")
    body = body_of(fake.webhook_payload(issue.id))
    headers = {SIGNATURE_HEADER: sign(body, SECRET)}
    settings = linear_settings()

    assert verify_webhook(settings, headers=headers, body=body, args={}) is None
    (state,) = parse_webhook(settings, json.loads(body))
    assert state.status is IssueStatus.done and state.estimate_hours == 10.0

    assert "does not match" in str(
        verify_webhook(settings, headers={SIGNATURE_HEADER: "0" * 64}, body=body, args={})
    )
    assert "no Linear-Signature" in str(verify_webhook(settings, headers={}, body=body, args={}))
    unset = linear_settings(secret=None)
    assert "LINEAR_WEBHOOK_SECRET" in str(
        verify_webhook(unset, headers=headers, body=body, args={})
    )
    stale = body_of(
        fake.webhook_payload(issue.id, timestamp=datetime.now(UTC) - timedelta(minutes=5))
    )
    assert "webhookTimestamp" in str(
        verify_webhook(
            settings, headers={SIGNATURE_HEADER: sign(stale, SECRET)}, body=stale, args={}
        )
    )


def test_the_route_functions_leave_a_signed_unreadable_body_to_a_400(fake: FakeLinear) -> None:
    settings = linear_settings()
    for body in (b"not json", b"[]", b'{"type": "Issue"}'):
        headers = {SIGNATURE_HEADER: sign(body, SECRET)}
        assert verify_webhook(settings, headers=headers, body=body, args={}) is None
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_webhook(settings, [])
    with pytest.raises(ValueError, match="webhookTimestamp"):
        parse_webhook(settings, {"type": "Issue"})
    comment = {"type": "Comment", "action": "create", "data": {}, "webhookTimestamp": 1}
    assert parse_webhook(settings, comment) == []
