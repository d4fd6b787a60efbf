"""Driving the projects domain the way Slack does: slash command, modals, buttons, jobs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.models import Checkin, Kpi, RolloutLine
from bot.workspaces.service import issue_webhook_token
from tests.harness import BotHarness, HttpResult, http
from tests.slack.fake_slack import Call
from tests.slack.signing import state_value

PROJECT_CHANNEL = "CPROJ"
OWNER_TZ = "America/New_York"  # U1, the owner in these tests
TUESDAY = 1


def today() -> date:
    return datetime.now(UTC).date()


def next_weekday(weekday: int, *, after: date) -> date:
    day = after + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def at_local(day: date, hour: int, minute: int = 0, tz: str = OWNER_TZ) -> datetime:
    """A wall time in a time zone, as the aware UTC instant `jobs run --now` takes."""
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(UTC)


def text(value: str) -> dict[str, Any]:
    return state_value("plain_text_input", value)


def project_values(**overrides: Any) -> dict[str, dict[str, Any]]:
    """What a user fills in the new-project modal: one KPI, one GO/NO-GO milestone."""
    fields: dict[str, Any] = {
        "name": text("CPQ roll-out"),
        "objective": text("Every quote goes through CPQ in all countries."),
        "owner": state_value("users_select", "U1"),
        "members": state_value("multi_users_select", ["U2"]),
        "channel": state_value("conversations_select", PROJECT_CHANNEL),
        "start_date": state_value("datepicker", today().isoformat()),
        "target_end_date": state_value("datepicker", (today() + timedelta(days=120)).isoformat()),
        "phase": state_value("static_select", "pilot"),
        "checkin_day": state_value("static_select", str(TUESDAY)),
        "checkin_time": state_value("timepicker", "10:00"),
        "rollout": text("France\nGermany"),
        "kpis.0.name": text("Win rate"),
        "kpis.0.unit": text("%"),
        "kpis.0.baseline": text("20"),
        "kpis.0.target": text("30"),
        "kpis.0.direction": state_value("radio_buttons", "up"),
        "milestones.0.name": text("GO/NO-GO Germany"),
        "milestones.0.due_date": state_value(
            "datepicker", (today() + timedelta(days=30)).isoformat()
        ),
        "milestones.0.is_decision": state_value("checkboxes", ["decision"]),
        "milestones.0.remind_days_before": text("3"),
    }
    fields.update(overrides)
    values = {path: {path: value} for path, value in fields.items() if value is not None}
    if "project_usergroup" in values:  # an external select: its action id is not its block id
        values["usergroup"] = values.pop("project_usergroup")
    return values


def called(
    bot: BotHarness, method: str, count: int = 1, predicate: Callable[[Call], bool] | None = None
) -> list[Call]:
    """Once the bot is idle, its calls of `method` (those `predicate` accepts): at least
    `count` of them."""
    bot.idle()
    calls = [call for call in bot.fake.calls(method) if predicate is None or predicate(call)]
    assert len(calls) >= count, f"{len(calls)} {method} call(s), expected {count}"
    return calls


def last_view(bot: BotHarness, count: int = 1) -> dict[str, Any]:
    """The view the bot opened with its `count`-th views.open call."""
    calls = called(bot, "views.open", count=count)
    response = calls[count - 1].response or {}
    assert response.get("ok"), response
    return response["view"]


def submit(
    bot: BotHarness, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str = "U1"
) -> HttpResult:
    return bot.submit(
        view["callback_id"],
        values,
        private_metadata=view.get("private_metadata", ""),
        view_id=view["id"],
        user_id=user,
    )


def ack_errors(result: HttpResult) -> dict[str, str]:
    assert result.status == 200, result.text
    body = result.json or {}
    return body.get("errors", {}) if body.get("response_action") == "errors" else {}


def open_create_modal(bot: BotHarness, name: str = "CPQ roll-out", *, user: str = "U1") -> dict:
    count = len(bot.fake.calls("views.open")) + 1
    assert bot.command("/revops-project", f"new {name}", user=user).status == 200
    view = last_view(bot, count)
    assert view["callback_id"] == ProjectView.create
    return view


def create_project(bot: BotHarness, *, user: str = "U1", **overrides: Any) -> dict[str, Any]:
    """Create a project through the modal; returns the announcement posted in its channel."""

    def in_project_channel(call: Any) -> bool:
        return bool(call.ok and call.args.get("channel") == PROJECT_CHANNEL)

    posts = len([call for call in bot.fake.calls("chat.postMessage") if in_project_channel(call)])
    view = open_create_modal(bot, user=user)
    result = submit(bot, view, project_values(**overrides), user=user)
    assert ack_errors(result) == {}
    bot.idle()
    assert (
        len([c for c in bot.fake.calls("chat.postMessage") if in_project_channel(c)]) == posts + 1
    )
    return bot.fake.messages(PROJECT_CHANNEL)[-1]


def buttons(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    """The buttons of this action, `action_id` itself or one of its numbered kind
    (`project_celebrate_12`: one per line, as Slack wants action ids distinct)."""
    found = []
    for block in blocks:
        elements = block.get("elements") or ([block["accessory"]] if "accessory" in block else [])
        for element in elements:
            name = element.get("action_id") or ""
            if name == action_id or re.fullmatch(rf"{re.escape(action_id)}_\d+", name):
                found.append(element)
    return found


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    found = buttons(blocks, action_id)
    if not found:
        raise AssertionError(f"no {action_id} button in {json.dumps(blocks)[:500]}")
    return found[0]


def click(
    bot: BotHarness,
    message: dict[str, Any],
    action_id: ProjectAction,
    *,
    user: str = "U1",
    channel: str = PROJECT_CHANNEL,
) -> HttpResult:
    element = button(message.get("blocks") or [], action_id)
    return bot.action(
        element["action_id"], element["value"], user_id=user, channel_id=channel, message=message
    )


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text of a message or view, to assert what a reader sees."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(out)


def run_job(bot: BotHarness, kind: str, now: datetime, monkeypatch: Any) -> int:
    return bot.jobs_run(kind, monkeypatch=monkeypatch, now=now)


def settled(bot: BotHarness, read: Any) -> Any:
    """What `read(session)` returns once the bot is done with what it was asked (its
    listeners after their ack, and the messages they owe)."""
    bot.idle()
    with bot.session() as session:
        return read(session)


CHECKIN = "project-checkin"
FOLLOW_UP = "project-checkin-reminder"
FLASH = "project-flash-report"


def checkin_cards(bot: BotHarness) -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages(PROJECT_CHANNEL) if "Check-in time" in m.get("text", "")]


def fire_checkin(bot: BotHarness, monkeypatch: Any, day: date) -> dict[str, Any]:
    """The check-in of `day` at 10:05 the owner's time (`jobs run`); returns its card."""
    assert run_job(bot, CHECKIN, at_local(day, 10, 5), monkeypatch) == 0
    return checkin_cards(bot)[-1]


def update_values(
    bot: BotHarness, *, win_rate: str, france: str = "piloting", health: str = "at_risk"
) -> dict[str, dict[str, Any]]:
    """An update of the test project: status, 40 %, a blocker, the win rate, France's status."""
    with bot.session() as session:
        kpi_id = session.scalar(select(Kpi.id).order_by(Kpi.id))
        france_id = session.scalar(select(RolloutLine.id).where(RolloutLine.name == "France"))
    return {
        "health": {"health": state_value("radio_buttons", health)},
        "progress": {"progress": text("40")},
        "done": {"done": text("Pilot team trained on CPQ")},
        "blockers": {"blockers": text("Legal review of the quote template")},
        f"kpi.{kpi_id}": {f"kpi.{kpi_id}": text(win_rate)},
        f"rollout.{france_id}.status": {
            f"rollout.{france_id}.status": state_value("static_select", france)
        },
    }


def post_update(
    bot: BotHarness, card: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str = "U1"
) -> dict[str, Any]:
    """Click a card's Post update, submit the modal; returns the update as the channel sees it."""
    opened = len(bot.fake.calls("views.open"))
    assert click(bot, card, ProjectAction.post_update, user=user).status == 200
    modal = last_view(bot, opened + 1)
    assert ack_errors(submit(bot, modal, values, user=user)) == {}
    bot.idle()
    with bot.session() as session:
        ts = session.scalar(select(Checkin.update_ts).order_by(Checkin.posted_at.desc()).limit(1))
    return next(m for m in bot.fake.messages(PROJECT_CHANNEL) if m["ts"] == ts)


def webhook_token(bot: BotHarness) -> str:
    with bot.session() as session:
        return issue_webhook_token(
            session=session, team_id="T1", created_by="UADMIN", now=datetime.now(UTC)
        )


def push_kpis(bot: BotHarness, body: Any, *, token: str, key: str) -> HttpResult:
    """What a dashboard tool sends to POST /webhooks/kpis."""
    return http(
        "POST",
        bot.server.url + "/webhooks/kpis",
        json.dumps(body).encode(),
        {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
        },
    )
