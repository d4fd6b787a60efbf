"""The HTTP surface: Bolt at /slack/events, OAuth install, health checks, webhooks."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, jsonify, request
from slack_bolt import App
from slack_bolt.adapter.flask.handler import SlackRequestHandler, to_flask_response
from sqlalchemy import Engine

from bot.app import INSTALL_PATH, REDIRECT_PATH
from bot.health import Readiness
from bot.http_limits import (
    Refused,
    SlackGate,
    answer_database_outages,
    limit_bodies,
    log_refusal,
)

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
    limit_bodies(web)
    answer_database_outages(web)
    oauth_handler = SlackRequestHandler(bolt_app)
    slack_gate = SlackGate(bolt_app)

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[Response, int]:
        try:
            bolt_request = slack_gate.admit(request)
        except Refused as refused:
            log_refusal(request, refused.status, refused.reason, message="slack request")
            if refused.status == 200:
                return Response(status=200)  # signed by Slack: acked (see Refused)
            return jsonify(error=refused.reason), refused.status
        # The request log lives in the Bolt app's dispatch (bot/app.py), for HTTP and Socket
        # Mode alike.
        return to_flask_response(bolt_app.dispatch(bolt_request))

    if bolt_app.oauth_flow is not None:

        @web.get(INSTALL_PATH)
        @web.get(REDIRECT_PATH)
        def slack_oauth() -> Response:
            return oauth_handler.handle(request)

    @web.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    readiness = Readiness(engine)

    @web.get("/readyz")
    def readyz() -> tuple[Response, int]:
        reason = readiness.problem()
        if reason is None:
            return jsonify(status="ready"), 200
        return jsonify(status="unavailable", reason=reason), 503

    for add_routes in webhook_routes or []:
        add_routes(web)
    return web
