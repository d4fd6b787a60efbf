"""Inbound webhooks of celebrations: HubSpot deal stages, Salesforce opportunities pushed by
a Flow, and wins from any other tool.

Both answer fast (HubSpot retries an answer slower than 5 s): verify, then store through a flow
(bot/celebrations/flows.py), answer 2xx. A win whose winners are all Slack users owes its card
in the transaction that stores it; one that needs details (a HubSpot deal, winners known by
e-mail) is prepared off the request's thread (`services.background`, preparation.py), and its
card is owed in the transaction that makes it ready. The outbox posts the cards.
"""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime

from flask import Flask, Response, jsonify, request
from pydantic import ValidationError

from bot.celebrations import flows, flows_salesforce, preparation
from bot.celebrations.hubspot import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureRejected,
    public_uri,
    verify_v3,
)
from bot.celebrations.schemas import SalesforceOpportunityIn, WinIn
from bot.celebrations.service import Opportunity
from bot.http_limits import UnreadableJson, load_json
from bot.services import Services
from bot.web import WebhookRoutes
from bot.webhooks import bearer_team_id, invalid_body, json_body, json_error, unauthorized

logger = logging.getLogger(__name__)

MAX_EVENTS = 1000  # HubSpot sends at most 100 per request; more is not HubSpot


def routes(services: Services) -> WebhookRoutes:
    def hubspot_webhook() -> tuple[Response, int]:
        secret = services.settings.hubspot_client_secret
        if secret is None:
            return json_error(401, "HUBSPOT_CLIENT_SECRET is not set: signatures cannot be checked")
        body = request.get_data(cache=True, as_text=True)
        try:
            verify_v3(
                secret=secret.get_secret_value(),
                method=request.method,
                uri=public_uri(request),
                body=body,
                signature=request.headers.get(SIGNATURE_HEADER),
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                now=datetime.now(UTC),
            )
        except SignatureRejected as rejected:
            logger.warning("hubspot webhook rejected: %s", rejected)
            return json_error(401, "invalid HubSpot signature")
        try:
            events = load_json(body)
        except UnreadableJson as error:
            return json_error(400, "body is not JSON", problem=str(error))
        if not isinstance(events, list):
            return json_error(400, "expected a JSON array of events")
        batch = flows.receive_hubspot_events(
            services.session_factory, events[:MAX_EVENTS], now=datetime.now(UTC)
        )
        for team_id in sorted(batch.teams):
            services.background.submit(preparation.prepare_wins, services, team_id)
        return jsonify(batch.summary()), 200

    def wins_webhook() -> tuple[Response, int]:
        team_id = bearer_team_id(services, request)
        if team_id is None:
            return unauthorized()
        try:
            payload = json_body(request)
        except UnreadableJson as error:
            fields = [{"field": "(body)", "problem": f"not a JSON object: {error}"}]
            return json_error(400, "invalid request body", fields=fields)
        try:
            win_in = WinIn.model_validate(payload)
        except ValidationError as error:
            return invalid_body(error)
        recorded = flows.record_webhook_win(
            services.session_factory, team_id=team_id, win_in=win_in, now=datetime.now(UTC)
        )
        if not recorded.created:
            return jsonify(status="duplicate", win_id=recorded.win_id), 200
        if recorded.to_prepare:
            services.background.submit(preparation.prepare_wins, services, team_id)
        return jsonify(status="accepted", win_id=recorded.win_id), 202

    def salesforce_webhook() -> tuple[Response, int]:
        secret = services.settings.salesforce_webhook_secret
        if secret is None:
            return json_error(401, "SALESFORCE_WEBHOOK_SECRET is not set: pushes are refused")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), secret.get_secret_value().encode()
        ):
            logger.warning("salesforce webhook rejected: missing or wrong shared secret")
            return json_error(401, "missing or invalid shared secret")
        try:
            payload = json_body(request)
        except UnreadableJson as error:
            fields = [{"field": "(body)", "problem": f"not a JSON object: {error}"}]
            return json_error(400, "invalid request body", fields=fields)
        try:
            pushed = SalesforceOpportunityIn.model_validate(payload)
        except ValidationError as error:
            return invalid_body(error)
        result = flows_salesforce.record_salesforce_push(
            services.session_factory,
            opportunity=_opportunity(pushed),
            configured_team=services.settings.salesforce_team_id,
            now=datetime.now(UTC),
        )
        if result.outcome is flows_salesforce.PushOutcome.no_workspace:
            logger.warning("salesforce push of %s: no workspace takes it", pushed.Id)
        elif (
            result.outcome is not flows_salesforce.PushOutcome.new_win
        ):  # 2xx: a Flow would retry errors
            logger.info("salesforce push of %s: %s, nothing to do", pushed.Id, result.outcome)
        if result.to_prepare and result.team_id:
            services.background.submit(preparation.prepare_wins, services, result.team_id)
        status = 202 if result.outcome is flows_salesforce.PushOutcome.new_win else 200
        return jsonify(status=result.outcome.value), status

    def add(web: Flask) -> None:
        web.add_url_rule(
            "/webhooks/hubspot",
            endpoint="celebrations_hubspot",
            view_func=hubspot_webhook,
            methods=["POST"],
        )
        web.add_url_rule(
            "/webhooks/wins", endpoint="celebrations_wins", view_func=wins_webhook, methods=["POST"]
        )
        web.add_url_rule(
            "/webhooks/salesforce",
            endpoint="celebrations_salesforce",
            view_func=salesforce_webhook,
            methods=["POST"],
        )

    return add


def _opportunity(pushed: SalesforceOpportunityIn) -> Opportunity:
    return Opportunity(
        id=pushed.Id,
        name=pushed.Name,
        amount=pushed.Amount,
        currency=pushed.CurrencyIsoCode,
        stage=pushed.StageName,
        modified_at=datetime.now(UTC),
        owner_email=pushed.OwnerEmail,
        owner_name=pushed.OwnerName,
        is_won=pushed.IsWon,
        owner_slack_id=pushed.OwnerSlackId,
    )
