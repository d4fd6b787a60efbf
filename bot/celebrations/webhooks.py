"""Inbound webhooks of celebrations: HubSpot deal stages and wins from any other tool.

Both answer fast (HubSpot retries an answer slower than 5 s): verify, store, answer 2xx, then
`WinPoster.run` posts from `services.background` through the delivery ledger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from bot.celebrations import service
from bot.celebrations.hubspot import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureRejected,
    public_uri,
    verify_v3,
)
from bot.celebrations.posting import WinPoster
from bot.celebrations.schemas import HubSpotEvent, WinIn
from bot.db import session_scope
from bot.http_limits import UnreadableJson, load_json
from bot.services import Services
from bot.web import WebhookRoutes
from bot.webhooks import bearer_team_id, invalid_body, json_body, json_error, unauthorized

logger = logging.getLogger(__name__)

MAX_EVENTS = 1000  # HubSpot sends at most 100 per request; more is not HubSpot


def routes(services: Services) -> WebhookRoutes:
    poster = WinPoster(services)

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
        outcome = receive_hubspot_events(services, events[:MAX_EVENTS])
        for team_id in sorted(outcome.teams):
            services.background.submit(poster.run, team_id)
        return jsonify(outcome.summary()), 200

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
        new = service.webhook_win(win_in)
        with session_scope(services.session_factory) as session:
            win, created = service.record_win(
                session=session, team_id=team_id, new=new, now=datetime.now(UTC)
            )
            win_id = win.id
        if not created:
            return jsonify(status="duplicate", win_id=win_id), 200
        services.background.submit(poster.run, team_id)
        return jsonify(status="accepted", win_id=win_id), 202

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

    return add


@dataclass
class BatchOutcome:
    received: int = 0
    new_wins: int = 0
    duplicates: int = 0
    ignored: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    teams: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "new_wins": self.new_wins,
            "duplicates": self.duplicates,
            "ignored": self.ignored,
            "invalid": self.invalid,
        }


def receive_hubspot_events(services: Services, events: list[Any]) -> BatchOutcome:
    """Store a win per deal that reached a won stage. Each event stands alone: a malformed one
    is reported in the answer and skipped, the others are processed; a deal already celebrated
    is a duplicate, however often HubSpot delivers it (eventIds are not unique)."""
    outcome = BatchOutcome(received=len(events))
    now = datetime.now(UTC)
    with session_scope(services.session_factory) as session:
        for index, raw in enumerate(events):
            try:
                event = HubSpotEvent.model_validate(raw)
            except ValidationError as error:
                problem = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or '(event)'}: {e['msg']}"
                    for e in error.errors()
                )
                outcome.invalid.append({"index": index, "problem": problem})
                continue
            try:
                with session.begin_nested():
                    _receive(session, event, now, outcome)
            except (IntegrityError, DataError) as error:
                logger.warning("hubspot event %s not stored: %s", event.event_id, error.orig)
                outcome.invalid.append({"index": index, "problem": "could not be stored"})
    return outcome


def _receive(session: Session, event: HubSpotEvent, now: datetime, outcome: BatchOutcome) -> None:
    result, team_id = service.record_hubspot_event(session=session, event=event, now=now)
    if result is service.HubSpotOutcome.new_win and team_id is not None:
        outcome.new_wins += 1
        outcome.teams.add(team_id)
    elif result is service.HubSpotOutcome.duplicate:
        outcome.duplicates += 1
    else:
        if result is service.HubSpotOutcome.unknown_portal:
            logger.warning("hubspot portal %s maps to no workspace: event ignored", event.portal_id)
        outcome.ignored += 1
