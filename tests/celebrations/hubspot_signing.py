"""Sign requests exactly as HubSpot signs webhook deliveries (signature v3).

Written from HubSpot's description, independently of the bot's code (which uses the official
client's helper), so the two check each other:
    base64(HMAC-SHA256(client_secret, method + uri + body + timestamp))
with the timestamp in milliseconds since the epoch, sent in X-HubSpot-Request-Timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

_event_ids = itertools.count(1_000_001)
PORTAL_ID = 62515


def signature_v3(secret: str, *, method: str, uri: str, body: str, timestamp: str) -> str:
    message = f"{method}{uri}{body}{timestamp}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(
    secret: str, *, uri: str, body: str, timestamp_ms: int | None = None, method: str = "POST"
) -> dict[str, str]:
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": signature_v3(
            secret, method=method, uri=uri, body=body, timestamp=timestamp
        ),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


def deal_stage_event(
    deal_id: int,
    stage: str = "closedwon",
    *,
    portal_id: int = PORTAL_ID,
    event_id: int | None = None,
    attempt: int = 0,
) -> dict[str, Any]:
    """One `deal.propertyChange` event as HubSpot sends it in a batch."""
    return {
        "eventId": event_id if event_id is not None else next(_event_ids),
        "subscriptionId": 2241,
        "portalId": portal_id,
        "appId": 1160452,
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": attempt,
        "objectId": deal_id,
        "propertyName": "dealstage",
        "propertyValue": stage,
        "changeSource": "CRM_UI",
        "sourceId": "userId:4021",
    }


def batch(*events: dict[str, Any]) -> str:
    return json.dumps(list(events), separators=(",", ":"))
