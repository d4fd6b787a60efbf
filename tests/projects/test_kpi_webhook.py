"""POST /webhooks/kpis: bearer token per workspace, validated body, idempotent by key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.projects.models import Kpi, KpiPush, KpiValue
from bot.workspaces.service import issue_webhook_token
from tests.harness import BotHarness, HttpResult, http
from tests.projects.helpers import create_project


def token_for(bot: BotHarness) -> str:
    with bot.session() as session:
        return issue_webhook_token(
            session=session, team_id="T1", created_by="UADMIN", now=datetime.now(UTC)
        )


def push(
    bot: BotHarness, body: Any, *, token: str | None, key: str | None = "push-1"
) -> HttpResult:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if key is not None:
        headers["Idempotency-Key"] = key
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http("POST", bot.server.url + "/webhooks/kpis", raw, headers)


def values_stored(bot: BotHarness) -> int:
    with bot.session() as session:
        return session.scalar(select(func.count()).select_from(KpiValue)) or 0


GOOD = {
    "values": [
        {
            "project": "cpq roll-out",
            "kpi": "Win rate",
            "value": 31.5,
            "measured_at": "2026-11-20T08:00:00Z",
        }
    ]
}


def test_a_dashboard_pushes_a_kpi_value_once_whatever_the_retries(bot: BotHarness) -> None:
    create_project(bot)
    token = token_for(bot)

    first = push(bot, GOOD, token=token)

    assert first.status == 200, first.text
    assert first.json["recorded"] == 1
    (recorded,) = first.json["values"]
    assert (recorded["kpi"], recorded["value"], recorded["target_reached"]) == (
        "Win rate",
        31.5,
        True,
    )
    assert recorded["progress_percent"] == 115.0
    with bot.session() as session:
        kpi = session.scalar(select(Kpi))
        assert kpi is not None and kpi.current_value == 31.5 and kpi.target_reached_at
        value = session.scalar(select(KpiValue))
        assert value is not None and value.source == "webhook"

    replay = push(bot, GOOD, token=token)
    assert (replay.status, replay.json) == (200, first.json)
    assert {k.lower(): v for k, v in replay.headers.items()}["idempotent-replayed"] == "true"
    assert values_stored(bot) == 1

    changed = {"values": [{**GOOD["values"][0], "value": 12}]}
    conflict = push(bot, changed, token=token)
    assert conflict.status == 422 and "different body" in conflict.json["error"]
    assert values_stored(bot) == 1

    older = {
        "values": [
            {
                "project_id": kpi.project_id,
                "kpi": "WIN RATE",
                "value": 12,
                "measured_at": "2026-11-01T08:00:00+01:00",
            }
        ]
    }
    assert push(bot, older, token=token, key="push-2").status == 200
    assert values_stored(bot) == 2
    with bot.session() as session:
        # A late push of an older measure is kept, but does not roll the current value back.
        assert session.scalar(select(Kpi.current_value)) == 31.5


def test_a_missing_or_wrong_token_gets_401_and_changes_nothing(bot: BotHarness) -> None:
    create_project(bot)
    token_for(bot)
    for token in (None, "rvb_not-a-real-token", "xoxb-test"):
        answer = push(bot, GOOD, token=token)
        assert answer.status == 401 and answer.json == {"error": "missing or invalid bearer token"}
    assert values_stored(bot) == 0


def test_a_bad_body_gets_400_listing_each_bad_field(bot: BotHarness) -> None:
    create_project(bot)
    token = token_for(bot)
    bad = {
        "values": [
            {"project": "CPQ roll-out", "kpi": "Win rate", "value": "about thirty"},
            {"kpi": "Win rate", "value": 3},
            {"project": "CPQ roll-out", "kpi": "Win rate", "value": 3, "colour": "red"},
        ]
    }
    answer = push(bot, bad, token=token)
    assert answer.status == 400 and answer.json["error"] == "invalid request body"
    fields = {item["field"] for item in answer.json["fields"]}
    assert {"values.0.value", "values.1", "values.2.colour"} <= fields

    unknown = {
        "values": [
            {"project": "CPQ roll-out", "kpi": "Churn", "value": 3},
            {"project": "Nope", "kpi": "Win rate", "value": 3},
            {"project": "CPQ roll-out", "kpi": "Win rate", "value": 25},
        ]
    }
    answer = push(bot, unknown, token=token, key="push-3")
    assert answer.status == 400
    assert [item["field"] for item in answer.json["fields"]] == [
        "values.0.kpi",
        "values.1.project",
    ]
    assert push(bot, b"not json", token=token, key="push-4").status == 400
    assert push(bot, GOOD, token=token, key=None).status == 400  # no Idempotency-Key
    assert values_stored(bot) == 0  # all or nothing
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(KpiPush)) == 0
