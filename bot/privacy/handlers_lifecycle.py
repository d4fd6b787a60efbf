"""Slack lifecycle: `app_uninstalled` and a revoked bot token stop every send at once; any
request Slack sends after that is proof the app is back (rules in lifecycle.py)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltRequest

from bot.db import session_scope
from bot.privacy import lifecycle
from bot.services import Services

logger = logging.getLogger(__name__)

LIFECYCLE_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})
# A workspace seen installed is not looked up again for this long (one read per team and
# process, not one per request). Another process's uninstall is noticed within this delay.
INSTALLED_MEMORY_SECONDS = 30.0


class InstalledTeams:
    """Teams this process recently saw installed: most requests need no database read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def recently_seen(self, team_id: str) -> bool:
        with self._lock:
            seen = self._seen.get(team_id)
        return seen is not None and time.monotonic() - seen < INSTALLED_MEMORY_SECONDS

    def saw(self, team_id: str) -> None:
        with self._lock:
            self._seen[team_id] = time.monotonic()

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._seen.pop(team_id, None)


def register(app: App, services: Services) -> None:
    installed = InstalledTeams()

    def on_app_uninstalled(body: dict[str, Any], context: Any) -> None:
        installed.forget(context.team_id)
        _stop(services, context.team_id, reason="app uninstalled", happened_at=_event_time(body))
        _forget_installation(app, context)

    def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if (event.get("tokens") or {}).get("bot"):
            installed.forget(context.team_id)
            _stop(
                services, context.team_id, reason="bot token revoked", happened_at=_event_time(body)
            )
            _forget_installation(app, context)

    app.middleware(_back_when_slack_writes(services, installed))
    services.events.on(
        "app_uninstalled",
        lambda event, context, client, body: on_app_uninstalled(body, context),
        name="privacy uninstall",
    )
    services.events.on(
        "tokens_revoked",
        lambda event, context, client, body: on_tokens_revoked(body, event, context),
        name="privacy tokens revoked",
    )


def _event_time(body: dict[str, Any]) -> datetime | None:
    stamp = body.get("event_time")
    return datetime.fromtimestamp(int(stamp), UTC) if stamp else None


def _stop(services: Services, team_id: str, *, reason: str, happened_at: datetime | None) -> None:
    with session_scope(services.session_factory) as session:
        cancelled = lifecycle.mark_uninstalled(
            session=session,
            team_id=team_id,
            now=datetime.now(UTC),
            reason=reason,
            happened_at=happened_at,
        )
    if cancelled is None:
        logger.info("late uninstall news ignored", extra={"team": team_id, "outcome": reason})
        return
    logger.warning(
        "workspace stopped", extra={"team": team_id, "outcome": reason, "cancelled": cancelled}
    )


def _forget_installation(app: App, context: Any) -> None:
    """OAuth mode: delete the workspace's installation and tokens from the store."""
    store = app.installation_store
    if store is not None:
        store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)


def sent_at(body: dict[str, Any], request: BoltRequest) -> datetime | None:
    """When what this request is about happened at Slack, or None if it proves nothing.

    An event carries its own time (a retry keeps the original's); a command, click or
    submission is signed when Slack sends it (Socket Mode has no signature: it is now).
    The lifecycle events themselves are never proof that the app is back.
    """
    if body.get("type") == "event_callback":
        if (body.get("event") or {}).get("type") in LIFECYCLE_EVENTS:
            return None
        return _event_time(body)
    stamps = (request.headers or {}).get("x-slack-request-timestamp") or []
    try:
        return datetime.fromtimestamp(int(stamps[0]), UTC) if stamps else datetime.now(UTC)
    except ValueError:
        return None


def _back_when_slack_writes(services: Services, installed: InstalledTeams) -> Callable[..., Any]:
    """A global middleware: the look-up runs off the ack path (on SQLite every transaction
    waits for the write lock), at most once per team every INSTALLED_MEMORY_SECONDS."""

    def middleware(body: dict[str, Any], context: Any, request: BoltRequest, next: Any) -> Any:
        team_id = context.team_id
        if team_id and not installed.recently_seen(team_id):
            seen_at = sent_at(body, request)
            if seen_at is not None:
                installed.saw(team_id)  # one look-up at a time; forgotten if still uninstalled
                services.background.submit(_check_installed, services, installed, team_id, seen_at)
        return next()

    return middleware


def _check_installed(
    services: Services, installed: InstalledTeams, team_id: str, seen_at: datetime
) -> None:
    try:
        with session_scope(services.session_factory) as session:
            back = lifecycle.installed_again(
                session=session,
                team_id=team_id,
                seen_at=seen_at,
                now=datetime.now(UTC),
                evidence="a Slack request after the uninstall",
            )
            still_gone = lifecycle.uninstalled_since(session=session, team_id=team_id)
    except Exception:
        installed.forget(team_id)
        logger.exception("could not check whether %s is installed", team_id)
        return
    if still_gone is not None:
        installed.forget(team_id)  # late news from before the uninstall: ask again next time
    if back:
        logger.warning("workspace back: sends resume", extra={"team": team_id})
