"""The HTTP surface: Bolt at /slack/events, OAuth install, health checks, webhooks."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, jsonify, request
from slack_bolt import App
from slack_bolt.adapter.flask.handler import SlackRequestHandler, to_bolt_request, to_flask_response
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.app import INSTALL_PATH, REDIRECT_PATH
from bot.db.migrations import current_heads, expected_heads

logger = logging.getLogger("bot.requests")

# Domains that receive webhooks add their routes through these hooks.
WebhookRoutes = Callable[[Flask], None]


def create_web_app(
    bolt_app: App,
    *,
    engine: Engine,
    webhook_routes: list[WebhookRoutes] | None = None,
) -> Flask:
    web = Flask("revops-bot")
    oauth_handler = SlackRequestHandler(bolt_app)

    @web.post("/slack/events")
    def slack_events() -> Response:
        # Logging and the ack gate happen in the Bolt app's dispatch (bot/app.py), for HTTP
        # and Socket Mode alike.
        return to_flask_response(bolt_app.dispatch(to_bolt_request(request)))

    if bolt_app.oauth_flow is not None:

        @web.get(INSTALL_PATH)
        @web.get(REDIRECT_PATH)
        def slack_oauth() -> Response:
            return oauth_handler.handle(request)

    @web.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @web.get("/readyz")
    def readyz() -> tuple[Response, int]:
        reason = readiness_problem(engine)
        if reason is None:
            return jsonify(status="ready"), 200
        return jsonify(status="unavailable", reason=reason), 503

    for add_routes in webhook_routes or []:
        add_routes(web)
    return web


def readiness_problem(engine: Engine) -> str | None:
    """None when the database answers and its schema is at the migrations' head."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_heads(engine)
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(getattr(exc, 'orig', None) or exc).__name__}"
    expected = expected_heads()
    if current != expected:
        have = ", ".join(sorted(current)) or "none"
        return f"migrations not at head (database at {have}; run `revops-bot db upgrade`)"
    return None
