"""Slack lifecycle events: an uninstall or a revoked bot token stops every send at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App

from bot.db import session_scope
from bot.privacy import lifecycle
from bot.services import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def on_app_uninstalled(context: Any) -> None:
        _stop(services, context.team_id, reason="app uninstalled")
        _forget_installation(app, context)

    def on_tokens_revoked(event: dict[str, Any], context: Any) -> None:
        if (event.get("tokens") or {}).get("bot"):
            _stop(services, context.team_id, reason="bot token revoked")
        _forget_installation(app, context)

    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


def _stop(services: Services, team_id: str, *, reason: str) -> None:
    with session_scope(services.session_factory) as session:
        cancelled = lifecycle.mark_uninstalled(
            session=session, team_id=team_id, now=datetime.now(UTC), reason=reason
        )
    logger.warning(
        "workspace stopped",
        extra={"team": team_id, "outcome": reason, "sends_cancelled": cancelled},
    )


def _forget_installation(app: App, context: Any) -> None:
    """OAuth mode: delete the workspace's installation and tokens from the store."""
    store = app.installation_store
    if store is None:
        return
    store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
