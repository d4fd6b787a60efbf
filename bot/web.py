"""The HTTP surface: Bolt at /slack/events, OAuth install, health checks, webhooks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask, Response, jsonify, request
from slack_bolt import App
from slack_bolt.adapter.flask.handler import SlackRequestHandler, to_flask_response
from sqlalchemy import Engine

from bot.app import INSTALL_PATH, REDIRECT_PATH, describe_request
from bot.health import Readiness
from bot.http_limits import (
    Refused,
    SlackGate,
    answer_database_outages,
    limit_bodies,
    log_refusal,
)
from bot.slack.ack_gate import AckGate

logger = logging.getLogger("bot.requests")

# Domains that receive webhooks add their routes through these hooks.
WebhookRoutes = Callable[[Flask], None]


def create_web_app(
    bolt_app: App,
    *,
    engine: Engine,
    ack_gate: AckGate | None = None,
    webhook_routes: list[WebhookRoutes] | None = None,
) -> Flask:
    web = Flask("revops-bot")
    limit_bodies(web)
    answer_database_outages(web)
    oauth_handler = SlackRequestHandler(bolt_app)
    gate = ack_gate or AckGate()
    slack_gate = SlackGate(bolt_app)

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[Response, int]:
        started = time.perf_counter()
        try:
            bolt_request = slack_gate.admit(request)
        except Refused as refused:
            log_refusal(request, refused.status, refused.reason, message="slack request")
            if refused.status == 200:
                return Response(status=200)  # signed by Slack: acked (see Refused)
            return jsonify(error=refused.reason), refused.status
        with gate.answering():
            bolt_response = bolt_app.dispatch(bolt_request)
        log_slack_request(bolt_request.body, bolt_request.context, bolt_response.status, started)
        return to_flask_response(bolt_response)

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


def log_slack_request(body: dict, context: dict, status: int, started: float) -> None:
    logger.info(
        "slack request",
        extra={
            "what": describe_request(body) if body else "unparsed",
            "team": context.get("team_id"),
            "user": context.get("user_id"),
            "outcome": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
