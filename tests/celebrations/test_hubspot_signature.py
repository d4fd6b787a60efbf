"""HubSpot signature v3 and the URI it signs, without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, request

from bot.celebrations.hubspot import SignatureRejected, public_uri, verify_v3
from tests.celebrations.hubspot_signing import signature_v3

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
URI = "https://revops.example.com/webhooks/hubspot"
BODY = '[{"eventId":1}]'


def stamp(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


def check(
    signature: str | None, timestamp: str | None, *, body: str = BODY, uri: str = URI
) -> None:
    verify_v3(
        secret="s3cret",
        method="POST",
        uri=uri,
        body=body,
        signature=signature,
        timestamp=timestamp,
        now=NOW,
    )


def test_a_good_signature_within_five_minutes_passes() -> None:
    for at in (NOW, NOW - timedelta(minutes=4, seconds=59), NOW + timedelta(minutes=2)):
        ts = stamp(at)
        check(signature_v3("s3cret", method="POST", uri=URI, body=BODY, timestamp=ts), ts)


@pytest.mark.parametrize(
    ("secret", "at", "body", "uri"),
    [
        ("other", NOW, BODY, URI),  # wrong secret
        ("s3cret", NOW, BODY + " ", URI),  # body changed after signing
        ("s3cret", NOW, BODY, URI + "?x=1"),  # another URI
        ("s3cret", NOW - timedelta(minutes=5, seconds=1), BODY, URI),  # too old
        ("s3cret", NOW + timedelta(minutes=6), BODY, URI),  # from the future
    ],
)
def test_anything_else_is_rejected(secret: str, at: datetime, body: str, uri: str) -> None:
    ts = stamp(at)
    signature = signature_v3(secret, method="POST", uri=uri, body=body, timestamp=ts)
    with pytest.raises(SignatureRejected):
        check(signature, ts)


@pytest.mark.parametrize(("signature", "timestamp"), [(None, "1"), ("abc", None), ("abc", "soon")])
def test_missing_or_unreadable_headers_are_rejected(
    signature: str | None, timestamp: str | None
) -> None:
    with pytest.raises(SignatureRejected):
        check(signature, timestamp)


def test_the_signed_uri_honours_the_proxy_and_hubspots_decoding() -> None:
    app = Flask("t")
    with app.test_request_context(
        "/webhooks/hubspot?portal=1%3A2",
        method="POST",
        base_url="http://10.0.0.5:3000",
        headers={"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "revops.example.com"},
    ):
        assert public_uri(request) == "https://revops.example.com/webhooks/hubspot?portal=1:2"
    with app.test_request_context("/webhooks/hubspot", base_url="http://bot.local:3000"):
        assert public_uri(request) == "http://bot.local:3000/webhooks/hubspot"
