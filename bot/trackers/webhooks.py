"""POST /webhooks/<kind> for each tracker whose adapter reads webhooks (Jira; Linear plugs
in through adapters.py).

Verified before anything is read (401, nothing stored); a body that is not the tracker's
shape is 400 with a reason; an issue the bot did not create is 2xx with one log line (a
tracker retries errors and would flood). Each change is applied in one transaction with the
request's move, so a redelivery moves nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import cast

from flask import Flask, Response, jsonify, request
from sqlalchemy import select

from bot.db import read_scope
from bot.http_limits import UnreadableJson, load_json
from bot.services import Services
from bot.trackers import flows
from bot.trackers.adapters import ADAPTERS, Adapter
from bot.trackers.models import IssueLink
from bot.web import WebhookRoutes
from bot.webhooks import json_error

logger = logging.getLogger(__name__)


def _teams_of(services: Services, *, kind: str, issue_id: str) -> list[str]:
    with read_scope(services.session_factory) as session:
        return list(
            session.scalars(
                select(IssueLink.team_id).where(
                    IssueLink.kind == kind, IssueLink.issue_id == issue_id
                )
            )
        )


def receive(services: Services, kind: str, adapter: Adapter) -> tuple[Response, int]:
    assert adapter.verify_webhook is not None and adapter.parse_webhook is not None
    settings = services.settings
    if not adapter.configured(settings):
        return json_error(404, f"{adapter.label} is not configured on this bot")
    body = request.get_data(cache=True)
    problem = adapter.verify_webhook(
        settings,
        # Werkzeug's headers: a case-blind mapping, read with .get() only.
        headers=cast(Mapping[str, str], request.headers),
        body=body,
        args=request.args,
    )
    if problem is not None:
        logger.warning("%s webhook refused: %s", kind, problem)
        return json_error(401, f"{adapter.label} webhook refused: {problem}")
    try:
        payload = load_json(body.decode("utf-8"))
        states = adapter.parse_webhook(settings, payload)
    except (UnreadableJson, UnicodeDecodeError) as error:
        return json_error(400, "body is not JSON", problem=str(error))
    except ValueError as error:
        return json_error(400, f"not a {adapter.label} webhook body", problem=str(error))
    done: dict[str, str] = {}
    now = datetime.now(UTC)
    for state in states:
        teams = _teams_of(services, kind=kind, issue_id=state.ref.issue_id)
        if not teams:
            logger.info("%s webhook: issue %s is not a request's issue", kind, state.ref.key)
            done[state.ref.key] = "unknown"
        for team_id in teams:
            done[state.ref.key] = flows.issue_changed(
                services.session_factory, team_id=team_id, kind=kind, state=state, now=now
            )
    return jsonify({"ok": True, "issues": done}), 200


def routes(services: Services) -> WebhookRoutes:
    def add(web: Flask) -> None:
        for kind, adapter in ADAPTERS.items():
            if adapter.verify_webhook is None or adapter.parse_webhook is None:
                continue
            web.add_url_rule(
                f"/webhooks/{kind}",
                endpoint=f"{kind}_webhook",
                view_func=lambda kind=kind, adapter=adapter: receive(services, kind, adapter),
                methods=["POST"],
            )

    return add
