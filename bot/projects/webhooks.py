"""POST /webhooks/kpis: a dashboard tool pushes KPI values.

    POST /webhooks/kpis
    Authorization: Bearer rvb_...          (issued by an admin from the Home tab)
    Idempotency-Key: 2026-11-23-win-rate   (required; a retry reuses it)
    {"values": [{"project": "CPQ roll-out", "kpi": "Win rate", "value": 27.5,
                 "measured_at": "2026-11-23T08:00:00Z"}]}

A project is named by `project` (its name, any case) or `project_id`; `measured_at` (default:
now) may not be more than a day ahead of the bot's clock. The push is all or
nothing: 401 without a valid token, 400 listing each bad field, 200 with what was recorded. A
replay of the same Idempotency-Key returns the first answer (header `Idempotent-Replayed: true`)
and changes nothing; the same key with a different body gets 422.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, jsonify, request
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.http_limits import UnreadableJson
from bot.projects.kpi_values import PushAnswer, PushedValue, record_kpi_push
from bot.services import Services
from bot.web import WebhookRoutes
from bot.webhooks import bearer_team_id, invalid_body, json_body, json_error, unauthorized

MAX_KEY = 200
MAX_VALUES = 500
# A reading is taken, not planned: a clock a few hours off is tolerated, a date to come is not
# (it would stay "the latest reading" until that date).
MAX_AHEAD = timedelta(days=1)


class PushedKpiValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: int | None = Field(default=None, ge=1)
    project: str | None = Field(default=None, min_length=1, max_length=80)
    kpi: str = Field(min_length=1, max_length=80)
    value: float = Field(allow_inf_nan=False)
    measured_at: AwareDatetime | None = None

    @field_validator("measured_at")
    @classmethod
    def not_in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            value = value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC time
            raise ValueError("out of the range of dates") from None
        if value > datetime.now(UTC) + MAX_AHEAD:
            raise ValueError("more than a day in the future: send when the value was measured")
        return value

    @model_validator(mode="after")
    def names_one_project(self) -> PushedKpiValue:
        if (self.project_id is None) == (self.project is None):
            raise ValueError("name the project by exactly one of `project` or `project_id`")
        return self


class KpiPush(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: list[PushedKpiValue] = Field(min_length=1, max_length=MAX_VALUES)


def routes(services: Services) -> WebhookRoutes:
    def add(web: Flask) -> None:
        web.add_url_rule(
            "/webhooks/kpis",
            endpoint="projects_kpis",
            view_func=lambda: receive_kpis(services, request),
            methods=["POST"],
        )

    return add


def receive_kpis(services: Services, incoming: Request) -> tuple[Response, int]:
    team_id = bearer_team_id(services, incoming)
    if team_id is None:
        return unauthorized()
    key = incoming.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > MAX_KEY:
        return json_error(
            400,
            f"an Idempotency-Key header of 1 to {MAX_KEY} characters is required "
            "(one per push; a retry reuses it)",
        )
    try:
        payload = json_body(incoming)
    except UnreadableJson as error:
        return json_error(
            400, 'the body must be a JSON object: {"values": [...]}', problem=str(error)
        )
    if not isinstance(payload, dict):
        return json_error(400, 'the body must be a JSON object: {"values": [...]}')
    try:
        push = KpiPush.model_validate(payload)
    except ValidationError as error:
        return invalid_body(error)
    fingerprint = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    values = [
        PushedValue(
            kpi=item.kpi,
            value=item.value,
            project_id=item.project_id,
            project=item.project,
            measured_at=item.measured_at.astimezone(UTC) if item.measured_at else None,
        )
        for item in push.values
    ]
    try:
        answer = _record(services, team_id, key, fingerprint, values)
    except IntegrityError:
        # A concurrent push with the same key was stored first: answer as a replay of it.
        answer = _record(services, team_id, key, fingerprint, values)
    response = jsonify(answer.body)
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, answer.status


def _record(
    services: Services, team_id: str, key: str, fingerprint: str, values: list[Any]
) -> PushAnswer:
    with session_scope(services.session_factory) as session:
        return record_kpi_push(
            session=session,
            team_id=team_id,
            idempotency_key=key,
            body_sha256=fingerprint,
            values=values,
            now=datetime.now(UTC),
        )
