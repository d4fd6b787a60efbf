"""What every inbound webhook shares: bearer-token auth per workspace, the JSON body read
safely, and JSON error replies. (The body limit is the HTTP app's: see bot/http_limits.py.)"""

from __future__ import annotations

from typing import Any

from flask import Request, Response, jsonify
from pydantic import ValidationError

from bot.db import session_scope
from bot.http_limits import UnreadableJson, load_json
from bot.services import Services
from bot.workspaces.service import team_for_webhook_token


def bearer_team_id(services: Services, request: Request) -> str | None:
    """The workspace whose token is in `Authorization: Bearer ...`, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with session_scope(services.session_factory) as session:
        return team_for_webhook_token(session=session, token=token.strip())


def json_body(request: Request) -> Any:
    """The body parsed as JSON; UnreadableJson (a ValueError) says why it cannot be: not sent
    as application/json, not JSON, or nested too deeply."""
    if not request.is_json:
        raise UnreadableJson("not sent as application/json")
    return load_json(request.get_data(cache=True))


def json_error(status: int, message: str, **details: Any) -> tuple[Response, int]:
    return jsonify(error=message, **details), status


def unauthorized() -> tuple[Response, int]:
    return json_error(401, "missing or invalid bearer token")


def invalid_body(error: ValidationError) -> tuple[Response, int]:
    """400 listing each bad field: where, what is wrong (pydantic's message), not the value."""
    fields = [
        {"field": ".".join(str(part) for part in item["loc"]) or "(body)", "problem": item["msg"]}
        for item in error.errors()
    ]
    return json_error(400, "invalid request body", fields=fields)
