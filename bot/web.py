"""The HTTP surface: Bolt at /slack/events, OAuth install, health checks, webhooks."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Sequence

from flask import Flask, Response, jsonify, request
from prometheus_client.registry import Collector
from slack_bolt import App
from slack_bolt.adapter.flask.handler import SlackRequestHandler, to_flask_response
from sqlalchemy import Engine

from bot import metrics
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
    metrics_token: str | None = None,
    metrics_collectors: Sequence[Collector] = (),
) -> Flask:
    web = Flask("revops-bot")
    limit_bodies(web)
    answer_database_outages(web)
    count_webhooks(web)
    oauth_handler = SlackRequestHandler(bolt_app)
    slack_gate = SlackGate(bolt_app)

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[Response, int]:
        started = time.perf_counter()
        try:
            bolt_request = slack_gate.admit(request)
        except Refused as refused:
            log_refusal(request, refused.status, refused.reason, message="slack request")
            metrics.observe_slack_answer(metrics.NO_LISTENER, refused.status, started)
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

    add_metrics_route(web, token=metrics_token, collectors=metrics_collectors)
    for add_routes in webhook_routes or []:
        add_routes(web)
    return web


def add_metrics_route(web: Flask, *, token: str | None, collectors: Sequence[Collector]) -> None:
    """GET /metrics in Prometheus text format, behind `Authorization: Bearer <token>` if set."""

    @web.get("/metrics")
    def prometheus_metrics() -> Response | tuple[Response, int]:
        if token and not _bearer_matches(token):
            log_refusal(request, 401, "missing or wrong bearer token", message="metrics")
            answer = jsonify(error="metrics need the bearer token set in METRICS_TOKEN")
            answer.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return answer, 401
        body, content_type = metrics.exposition(collectors)
        return Response(body, status=200, content_type=content_type)


def create_metrics_app(*, token: str | None, collectors: Sequence[Collector]) -> Flask:
    """What `revops-bot clock` serves on METRICS_PORT: /metrics and /healthz, nothing else."""
    web = Flask("revops-bot-clock")
    add_metrics_route(web, token=token, collectors=collectors)

    @web.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return web


def _bearer_matches(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


WEBHOOK_PREFIX = "/webhooks/"


def count_webhooks(web: Flask) -> None:
    """Every answer of a webhook route, refusals included (a 401, a 413 at the door), counted
    by the route's rule: never the raw path, whose variety would have no end."""

    @web.after_request
    def count(response: Response) -> Response:
        rule = request.url_rule
        if rule is not None and rule.rule.startswith(WEBHOOK_PREFIX):
            metrics.count_webhook(rule.rule, response.status_code)
        return response
