"""The one place WebClients are built: same base URL, same retry policy, everywhere."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store import InstallationStore

from bot import metrics
from bot.settings import Settings

# slack_sdk's own handlers: 429 honours Retry-After; connection resets and 5xx back off.
RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
SERVER_ERROR_RETRIES = 2
REQUEST_TIMEOUT_SECONDS = 15


class CountCalls(RetryHandler):
    """Counts every attempt of every Web API call, by method and outcome, and never retries.

    slack_sdk asks each retry handler about every answer (and every failed connection) in
    order; first in the list, this one sees them all, and the handlers after it decide as
    before. Every client the bot makes carries it (`build_client`, `_derived`; Bolt copies the
    handlers into the client it builds per request), so no call goes uncounted."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        metrics.count_api_call(_method_of(request.url), _outcome_of(response))
        return False


def _method_of(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "unknown"


def _outcome_of(response: HttpResponse | None) -> str:
    if response is None:
        return "network"
    status = response.status_code
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server_error"
    if status != 200:
        return "http_error"
    body = response.body if isinstance(response.body, dict) else {}
    return "ok" if body.get("ok") else "error"


def retry_handlers() -> list[RetryHandler]:
    return [
        CountCalls(),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]


def build_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient pointed at SLACK_API_URL; Bolt copies its base URL and retries per request."""
    if token is None and settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
    return WebClient(
        token=token,
        base_url=str(settings.slack_api_url),
        timeout=REQUEST_TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
    )


# Calls made before an ack get one quick try: Slack waits 3 seconds for the ack.
QUICK_TIMEOUT_SECONDS = 1


def without_retries(client: WebClient, *, timeout: int = QUICK_TIMEOUT_SECONDS) -> WebClient:
    """The same client (token, base URL, headers) that neither retries nor waits out a rate
    limit's Retry-After, with a short timeout: for the few reads made before an ack, which
    must answer in time or not at all."""
    return _derived(client, timeout=timeout, retry_handlers=[CountCalls()])


class RateLimitWaiter(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After plus up to a second of jitter, then retries)
    that waits through `sleep`: a ledger post keeps its claim alive while it waits, and gives
    up (the exception `sleep` raises ends the call, nothing posted) if the claim was lost.

    `pace`, called after that wait, takes the retry's turn in the sender's pacing: the refused
    call's turn went unused at Slack, and a retry that took none would take another sender's,
    whose call Slack would then refuse in turn (a chain of 429s as long as the run)."""

    def __init__(
        self,
        *,
        max_retry_count: int,
        sleep: Callable[[float], None],
        pace: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep
        self.pace = pace

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("a 429 retry with no response")
        state.next_attempt_requested = True
        self.sleep(retry_after_seconds(response) + random.random())
        if self.pace is not None:
            self.pace()
        state.increment_current_attempt()


def retry_after_seconds(response: HttpResponse) -> int:
    """A 429's Retry-After in seconds (1 when Slack gives none), as slack_sdk reads it."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(int(values[0]), 0)
            except ValueError:
                break
    return 1


def posting_once(
    client: WebClient,
    *,
    sleep: Callable[[float], None] | None = None,
    pace: Callable[[], None] | None = None,
) -> WebClient:
    """The same client for a post the delivery ledger tracks: it retries only a 429 (Slack
    refused the call, nothing was posted), waiting out Retry-After through `sleep` (the
    ledger's: it keeps the claim of the post alive), then `pace` (the retry's turn in the
    sender's pacing). A reset connection, a timeout or a 5xx may have posted it; the ledger
    retries those itself, after reading Slack's history."""
    return _derived(
        client,
        timeout=client.timeout,
        retry_handlers=[
            CountCalls(),
            RateLimitWaiter(
                max_retry_count=RATE_LIMIT_RETRIES, sleep=sleep or time.sleep, pace=pace
            ),
        ],
    )


def _derived(client: WebClient, *, timeout: int, retry_handlers: list[RetryHandler]) -> WebClient:
    derived = WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers or {}),
        retry_handlers=retry_handlers,
    )
    derived.default_params = dict(client.default_params)  # team_id of an org-wide install
    return derived


class TeamClients:
    """A WebClient per workspace for work that runs outside a Slack request (jobs, webhooks).

    Token mode has one workspace and one token; OAuth mode finds each team's bot token in the
    installation store.
    """

    def __init__(
        self, settings: Settings, installation_store: InstallationStore | None = None
    ) -> None:
        self._settings = settings
        self._installation_store = installation_store
        self._default = build_client(settings) if settings.slack_bot_token is not None else None
        self._lock = threading.Lock()
        self._by_token: dict[str, WebClient] = {}
        self._token_team: str | None = None

    def token_team_id(self) -> str | None:
        """In token mode, the one workspace the token belongs to (auth.test, asked once)."""
        if self._default is None:
            return None
        if self._token_team is None:
            self._token_team = str(self._default.auth_test()["team_id"])
        return self._token_team

    def for_team(self, team_id: str) -> WebClient:
        if self._installation_store is None:
            if self._default is None:
                raise LookupError("no SLACK_BOT_TOKEN and no installation store")
            return self._default
        bot = self._installation_store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise LookupError(f"workspace {team_id} has no installation")
        with self._lock:
            client = self._by_token.get(bot.bot_token)
            if client is None:
                client = build_client(self._settings, token=bot.bot_token)
                self._by_token[bot.bot_token] = client
            return client
