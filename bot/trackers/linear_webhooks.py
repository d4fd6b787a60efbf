"""Linear's webhooks (POST /webhooks/linear): proof they come from Linear, and what they say.

Linear signs each delivery with HMAC-SHA256 of the raw body, keyed with the webhook's signing
secret, hex in the `Linear-Signature` header; the body carries `webhookTimestamp` (milliseconds
since the epoch) so a captured delivery cannot be replayed later: more than 60 s from now is
refused, as Linear's own SDK does. Pure functions: the route turns `LinearWebhookRefused` into
401 (nothing stored) and `LinearWebhookMalformed` into 400 with its reason.

Only Issue events matter here (create, update, remove); comments, projects, cycles and the rest
parse to None and the route answers 2xx so Linear does not retry them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.settings import Settings
from bot.trackers.client import IssueState
from bot.trackers.linear import finite_number, issue_state

SIGNATURE_HEADER = "Linear-Signature"
DELIVERY_HEADER = "Linear-Delivery"  # a UUID per delivery (the same on Linear's retries)
EVENT_HEADER = "Linear-Event"  # the entity type: "Issue", "Comment"...
MAX_SKEW_SECONDS = 60
ISSUE_ACTIONS = {"create", "update", "remove"}


class LinearWebhookRefused(Exception):
    """Not from Linear, or not now: no signature, a wrong one, or a stale timestamp (401)."""


class LinearWebhookMalformed(ValueError):
    """Signed but unreadable: the text is the reason the 400 answer gives."""


def sign(body: bytes, secret: str) -> str:
    """The Linear-Signature value of this body (what Linear sends; the fake Linear uses it)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(
    *, body: bytes, signature: str | None, secret: str, now: datetime | None = None
) -> dict[str, Any]:
    """The delivery's payload once its signature and timestamp hold; raises otherwise.

    The signature is checked on the raw bytes before anything is parsed, in constant time."""
    if not secret:
        raise LinearWebhookRefused("LINEAR_WEBHOOK_SECRET is not set")
    if not signature:
        raise LinearWebhookRefused(f"no {SIGNATURE_HEADER} header")
    given = signature.strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(sign(body, secret).encode(), given):
        raise LinearWebhookRefused(f"{SIGNATURE_HEADER} does not match the body")
    # Plain json here (the rules may not import the HTTP edge); POST /webhooks/linear reads
    # what it keeps with bot.http_limits.load_json (depth limit, no NUL).
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise LinearWebhookMalformed("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise LinearWebhookMalformed("the body is not a JSON object")
    stamp = finite_number(payload.get("webhookTimestamp"))
    if stamp is None:
        raise LinearWebhookMalformed("webhookTimestamp is missing or not a number")
    current = (now or datetime.now(UTC)).timestamp() * 1000
    skew = abs(current - stamp) / 1000
    if skew > MAX_SKEW_SECONDS:
        raise LinearWebhookRefused(
            f"webhookTimestamp is {skew:.0f} s from now (at most {MAX_SKEW_SECONDS} s)"
        )
    return payload


def issue_event(payload: Mapping[str, Any], *, hours_per_point: float) -> IssueState | None:
    """The issue an Issue create/update/remove delivery describes; None for anything else.

    A removed (deleted, archived or trashed) issue comes back with `deleted=True`."""
    kind, action = payload.get("type"), payload.get("action")
    if not isinstance(kind, str) or not kind:
        raise LinearWebhookMalformed("type is missing or not a string")
    if not isinstance(action, str) or not action:
        raise LinearWebhookMalformed("action is missing or not a string")
    if kind != "Issue" or action not in ISSUE_ACTIONS:
        return None
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise LinearWebhookMalformed("data is missing or not an object")
    url = payload.get("url")
    try:
        return issue_state(
            data,
            hours_per_point=hours_per_point,
            url=url if isinstance(url, str) else None,
            removed=action == "remove",
        )
    except ValueError as error:
        raise LinearWebhookMalformed(str(error)) from None


# ------------------------------------------------ what POST /webhooks/linear plugs in


def verify_webhook(
    settings: Settings, *, headers: Mapping[str, str], body: bytes, args: Mapping[str, str]
) -> str | None:
    """None when the delivery comes from Linear, now; else why not (401, nothing stored).

    A body Linear signed that cannot be read passes here: reading it answers 400 with why."""
    secret = settings.linear_webhook_secret
    try:
        verify(
            body=body,
            signature=headers.get(SIGNATURE_HEADER),
            secret=secret.get_secret_value() if secret is not None else "",
        )
    except LinearWebhookRefused as refused:
        return str(refused)
    except LinearWebhookMalformed:
        return None
    return None


def parse_webhook(settings: Settings, payload: Any) -> list[IssueState]:
    """The issue a verified delivery describes ([] for comments, projects...); raises
    LinearWebhookMalformed (a ValueError) with the reason for a body that is not Linear's."""
    if not isinstance(payload, Mapping):
        raise LinearWebhookMalformed("the body is not a JSON object")
    if finite_number(payload.get("webhookTimestamp")) is None:
        raise LinearWebhookMalformed("webhookTimestamp is missing or not a number")
    state = issue_event(payload, hours_per_point=settings.linear_hours_per_point)
    return [] if state is None else [state]
