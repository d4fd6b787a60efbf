"""HubSpot adapter: the v3 webhook signature, and the CRM reads that a won deal needs.

Built on the official `hubspot-api-client`: its `Signature` helper computes the v3 HMAC, and
`crm.deals.basic_api.get_by_id` / `crm.owners.owners_api.get_by_id` read the deal and its
owner. Base URL HUBSPOT_API_URL (tests point it at a fake on loopback), token
HUBSPOT_ACCESS_TOKEN. No database here: callers hold no session while these calls run.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Request
from hubspot import HubSpot
from hubspot.crm.deals import ApiException as DealsApiException
from hubspot.crm.owners import ApiException as OwnersApiException
from hubspot.utils.signature import Signature
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.retry import Retry

from bot.celebrations.rules import DealDetails
from bot.settings import Settings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
# HubSpot: reject a request whose timestamp is more than five minutes away from now.
SIGNATURE_WINDOW = timedelta(minutes=5)
# HubSpot signs the URI with these characters decoded (its v3 validation guide).
_DECODED_IN_URI = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
REQUEST_TIMEOUT_SECONDS = 10
DEAL_PROPERTIES = ["dealname", "amount", "deal_currency_code", "hubspot_owner_id", "dealstage"]


class SignatureRejected(Exception):
    """The request is not provably from HubSpot: answer 401 and do nothing."""


class DealNotFound(Exception):
    """The deal no longer exists (deleted, merged): retrying will not help."""


class CrmUnavailable(Exception):
    """HubSpot did not answer well (timeout, 429, 5xx, bad token): try again later."""


# ---------------------------------------------------------------- signature v3


def public_uri(request: Request) -> str:
    """The URL HubSpot called, as HubSpot signed it: scheme and host from the proxy's
    X-Forwarded-Proto / X-Forwarded-Host when present, path and query as received."""
    proto = _first(request.headers.get("X-Forwarded-Proto")) or request.scheme
    host = _first(request.headers.get("X-Forwarded-Host")) or request.host
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        query = request.query_string.decode("latin-1")
        raw = request.path + (f"?{query}" if query else "")
    for encoded, plain in _DECODED_IN_URI.items():
        raw = raw.replace(encoded, plain).replace(encoded.lower(), plain)
    return f"{proto}://{host}{raw}"


def _first(header: str | None) -> str:
    return (header or "").split(",")[0].strip()


def verify_v3(
    *,
    secret: str,
    method: str,
    uri: str,
    body: str,
    signature: str | None,
    timestamp: str | None,
    now: datetime,
) -> None:
    """Raise SignatureRejected unless `signature` is HubSpot's v3 HMAC-SHA256 (base64) of
    method + URI + body + timestamp with the app secret, and the timestamp (ms) is within
    five minutes of now, either way."""
    if not signature or not timestamp:
        raise SignatureRejected("missing signature or timestamp")
    try:
        sent_at = datetime.fromtimestamp(int(timestamp) / 1000, tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        raise SignatureRejected("unreadable timestamp") from None
    if abs(now - sent_at) > SIGNATURE_WINDOW:
        raise SignatureRejected("timestamp outside the five-minute window")
    expected = Signature.get_signature(
        secret, body, signature_version="v3", http_uri=uri, http_method=method, timestamp=timestamp
    )
    if not _same(expected, signature):
        raise SignatureRejected("signature mismatch")


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


# ---------------------------------------------------------------- CRM reads


class HubSpotCrm:
    """Reads a won deal and its owner through the official client."""

    def __init__(self, settings: Settings) -> None:
        token = settings.hubspot_access_token
        self._token = token.get_secret_value() if token is not None else None
        self._host = str(settings.hubspot_api_url).rstrip("/")

    @property
    def configured(self) -> bool:
        return self._token is not None

    def _client(self) -> HubSpot:
        # HubSpot answers 429 on bursts and 5xx on bad days: back off a few times, then let
        # the caller retry later (the win stays "preparing").
        retry = Retry(
            total=3,
            backoff_factor=0.5,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        return HubSpot(access_token=self._token, host=self._host, retry=retry)

    def won_deal(self, deal_id: str) -> DealDetails:
        """Name, amount, currency and owner of a deal; DealNotFound or CrmUnavailable."""
        client = self._client()
        try:
            deal = client.crm.deals.basic_api.get_by_id(
                deal_id,
                properties=DEAL_PROPERTIES,
                archived=False,
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except DealsApiException as error:
            if error.status == 404:
                raise DealNotFound(f"deal {deal_id} not found") from None
            raise CrmUnavailable(f"deal {deal_id}: HTTP {error.status}") from None
        except (Urllib3Error, OSError) as error:
            raise CrmUnavailable(f"deal {deal_id}: {type(error).__name__}") from None
        properties: dict[str, Any] = deal.properties or {}
        email, name = self._owner(client, properties.get("hubspot_owner_id"))
        return DealDetails(
            name=str(properties.get("dealname") or "").strip(),
            amount=_decimal(properties.get("amount")),
            currency=(properties.get("deal_currency_code") or None),
            owner_email=email,
            owner_name=name,
        )

    def _owner(self, client: HubSpot, owner_id: Any) -> tuple[str | None, str]:
        if not owner_id or not str(owner_id).isdigit():
            return None, ""
        try:
            owner = client.crm.owners.owners_api.get_by_id(
                int(owner_id), id_property="id", _request_timeout=REQUEST_TIMEOUT_SECONDS
            )
        except OwnersApiException as error:
            if error.status == 404:  # a deactivated owner: celebrate the deal without a name
                logger.warning("hubspot owner %s not found", owner_id)
                return None, ""
            raise CrmUnavailable(f"owner {owner_id}: HTTP {error.status}") from None
        except (Urllib3Error, OSError) as error:
            raise CrmUnavailable(f"owner {owner_id}: {type(error).__name__}") from None
        name = " ".join(part for part in (owner.first_name, owner.last_name) if part)
        return (owner.email or None), name


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None
