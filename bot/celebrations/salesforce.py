"""Salesforce adapter: the won opportunities a poll reads, through `simple-salesforce`.

Logs in at SALESFORCE_LOGIN_URL with a connected app (JWT bearer flow with a private key, or
the OAuth username-password flow with the consumer secret) or, for a small team without a
connected app, with the SOAP login of a username, password and security token; keeps the
access token in memory for the next polls, and reads opportunities with SOQL, page by page
(`nextRecordsUrl`). An expired token (401) is answered by one new login and one retry; a
second refusal is an admin's problem (`SalesforceRefused`). No database here: callers hold no
session while these calls run, and no credential ever reaches a log line or an exception's
text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
)
from simple_salesforce.format import format_soql

from bot.celebrations.salesforce_sync import Opportunity
from bot.settings import Settings

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 30
SALESFORCE_HOSTS = ".salesforce.com"
SOAP_LOGIN_LAST_VERSION = "64.0"
FIELDS = "Id, Name, Amount, StageName, SystemModstamp, Owner.Email, Owner.Name"


class SalesforceUnavailable(Exception):
    """Salesforce did not answer well (timeout, 5xx): the next poll tries again."""


class SalesforceRefused(Exception):
    """Salesforce refused the bot (login, a token refused twice, a query it cannot run): an
    admin must act. The text says what Salesforce said, never a credential."""


class _Session(requests.Session):
    """Every call has a timeout; the login calls simple-salesforce addresses to
    https://<domain>.salesforce.com go to SALESFORCE_LOGIN_URL when that host is elsewhere
    (a government cloud, a proxy, a test server)."""

    def __init__(self, login_url: str, domain: str) -> None:
        super().__init__()
        self._standard = f"https://{domain}{SALESFORCE_HOSTS}"
        self._login_url = login_url
        self.last_status = 0  # of the last answer: tells an outage from a refused login

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_SECONDS)
        verb = method.decode() if isinstance(method, bytes) else method
        text = url.decode() if isinstance(url, bytes) else url
        if text.startswith(self._standard + "/") and self._login_url != self._standard:
            text = self._login_url + text[len(self._standard) :]
        response = super().request(verb, text, *args, **kwargs)
        self.last_status = response.status_code
        return response


def _domain(login_url: str) -> str:
    host = urlsplit(login_url).hostname or ""
    return host[: -len(SALESFORCE_HOSTS)] if host.endswith(SALESFORCE_HOSTS) else "login"


class SalesforceCrm:
    """One org, from the environment. Thread-safe: a poll runs in one clock thread at a time,
    but `jobs run` and the clock may share a process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._login_url = str(settings.salesforce_login_url).rstrip("/")
        self._domain = _domain(self._login_url)
        self._lock = threading.Lock()
        self._token: tuple[str, str] | None = None  # (access token, instance host)
        self.told_no_workspace = False
        self.confirmed = False  # a poll of this process has worked (logged once)

    @property
    def configured(self) -> bool:
        return self._settings.salesforce_configured

    # ------------------------------------------------------------ login

    def _session(self) -> _Session:
        return _Session(self._login_url, self._domain)

    def _login(self, session: _Session) -> tuple[str, str]:
        s = self._settings
        key = s.salesforce_private_key
        try:
            if s.salesforce_login_mode == "soap":
                assert s.salesforce_password is not None and s.salesforce_security_token
                token, instance = SalesforceLogin(
                    username=s.salesforce_username,
                    password=s.salesforce_password.get_secret_value(),
                    security_token=s.salesforce_security_token.get_secret_value(),
                    sf_version=soap_login_version(s.salesforce_api_version),
                    domain=self._domain,
                    session=session,
                )
            elif key is not None or s.salesforce_private_key_file:
                token, instance = SalesforceLogin(
                    username=s.salesforce_username,
                    consumer_key=s.salesforce_client_id,
                    privatekey=key.get_secret_value() if key is not None else None,
                    privatekey_file=s.salesforce_private_key_file if key is None else None,
                    domain=self._domain,
                    session=session,
                )
            else:
                assert s.salesforce_password is not None and s.salesforce_client_secret is not None
                security_token = s.salesforce_security_token
                password = s.salesforce_password.get_secret_value() + (
                    security_token.get_secret_value() if security_token else ""
                )
                token, instance = SalesforceLogin(
                    username=s.salesforce_username,
                    password=password,
                    consumer_key=s.salesforce_client_id,
                    consumer_secret=s.salesforce_client_secret.get_secret_value(),
                    domain=self._domain,
                    session=session,
                )
        except SalesforceAuthenticationFailed as error:
            if _is_outage(session.last_status, error.code):  # a 5xx page, no login answer
                raise SalesforceUnavailable(f"login: HTTP {session.last_status}") from None
            said = getattr(error, "auth_message", "") or ""
            raise SalesforceRefused(f"login refused: {error.code}: {said}"[:300]) from None
        except (OSError, ValueError, jwt.PyJWTError) as error:  # a key file missing, not a key
            raise SalesforceRefused(f"login impossible: {type(error).__name__}") from None
        except requests.RequestException as error:
            raise SalesforceUnavailable(f"login: {type(error).__name__}") from None
        return str(token), str(instance)

    def _client(self, session: _Session, *, fresh: bool) -> Salesforce:
        with self._lock:
            if fresh or self._token is None:
                self._token = self._login(session)
            token, instance = self._token
        return Salesforce(
            session_id=token,
            instance=instance,
            session=session,
            version=self._settings.salesforce_api_version,
            parse_float=Decimal,
        )

    def _call(self, session: _Session, read: Any) -> Any:
        """read(client), with one new login and one retry when the token is refused (401)."""
        try:
            return read(self._client(session, fresh=False))
        except SalesforceExpiredSession:
            logger.info("salesforce session expired: logging in again")
        try:
            return read(self._client(session, fresh=True))
        except SalesforceExpiredSession:
            with self._lock:
                self._token = None
            raise SalesforceRefused(
                "a new session was refused too (401): check the integration user's "
                "API Enabled permission and the connected app's policies"
            ) from None

    # ------------------------------------------------------------ reads

    def won_opportunities(
        self, *, since: datetime, stages: Sequence[str], org_currency: str | None
    ) -> Iterator[tuple[list[Opportunity], str | None]]:
        """Won opportunities modified after `since`, oldest first, page by page, each with
        the org's currency when it is not multi-currency (detected on the first query and
        given back so that the next poll asks once). `stages` empty: IsWon = true."""
        session = self._session()
        try:
            multi = org_currency is None
            try:
                first = self._call(session, lambda sf: sf.query(_soql(since, stages, multi)))
            except SalesforceMalformedRequest as error:
                if not multi or "CurrencyIsoCode" not in str(error.content):
                    raise
                org_currency = self._org_currency(session)
                multi = False
                first = self._call(session, lambda sf: sf.query(_soql(since, stages, multi)))
            page = first
            while True:
                records = page.get("records", [])
                yield [_opportunity(r, org_currency) for r in records], org_currency
                if page.get("done", True) or not page.get("nextRecordsUrl"):
                    return
                next_url = page["nextRecordsUrl"]
                page = self._call(session, lambda sf, url=next_url: sf.query_more(url, True))
        except SalesforceExpiredSession:
            raise SalesforceRefused("session refused (401)") from None
        except SalesforceGeneralError as error:
            raise SalesforceUnavailable(f"HTTP {error.status}") from None
        except SalesforceError as error:
            raise SalesforceRefused(f"HTTP {error.status}: {_first_error(error)}") from None
        except requests.RequestException as error:
            raise SalesforceUnavailable(type(error).__name__) from None
        finally:
            session.close()

    def _org_currency(self, session: _Session) -> str:
        result = self._call(
            session, lambda sf: sf.query("SELECT DefaultCurrencyIsoCode FROM Organization")
        )
        records = result.get("records") or [{}]
        return str(records[0].get("DefaultCurrencyIsoCode") or "") or "USD"


def soap_login_version(api_version: str) -> str:
    """The SOAP login() call does not exist from API 65.0 on (and is retired in Summer '27):
    log in at 64.0 at most; the session it gives works for the REST API at any version."""
    if float(api_version) <= float(SOAP_LOGIN_LAST_VERSION):
        return api_version
    return SOAP_LOGIN_LAST_VERSION


def _is_outage(status: int, code: object) -> bool:
    """A login answered 5xx or 429 without a Salesforce error code (a maintenance page, a
    proxy's error): Salesforce is not answering. A SOAP fault is HTTP 500 too, but carries its
    own code (INVALID_LOGIN...): a refusal."""
    unexplained = code is None or isinstance(code, int)
    return unexplained and (status >= 500 or status == 429)


def _soql(since: datetime, stages: Sequence[str], multi_currency: bool) -> str:
    fields = FIELDS + (", CurrencyIsoCode" if multi_currency else "")
    won = "StageName IN {stages}" if stages else "IsWon = true"
    return format_soql(
        f"SELECT {fields} FROM Opportunity WHERE {won} AND SystemModstamp > {{since}} "
        "ORDER BY SystemModstamp, Id",
        stages=list(stages),
        since=since,
    )


def _first_error(error: SalesforceError) -> str:
    content = error.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return f"{content[0].get('errorCode', '')}: {content[0].get('message', '')}"[:300]
    return str(content)[:300]


def _opportunity(record: dict[str, Any], org_currency: str | None) -> Opportunity:
    owner = record.get("Owner") or {}
    return Opportunity(
        id=str(record["Id"]),
        name=str(record.get("Name") or "").strip(),
        amount=_decimal(record.get("Amount")),
        currency=(record.get("CurrencyIsoCode") or org_currency or None),
        stage=str(record.get("StageName") or ""),
        modified_at=_stamp(str(record["SystemModstamp"])),
        owner_email=(owner.get("Email") or None),
        owner_name=str(owner.get("Name") or ""),
    )


def _stamp(text: str) -> datetime:
    # Salesforce writes "2026-12-05T02:10:00.000+0000".
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None
