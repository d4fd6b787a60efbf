"""Driving the trackers domain as Slack and Jira do: App Home, signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from bot.intake.ids import Action, Callback
from bot.intake.models import IntakeRequest
from bot.trackers.ids import TrackerAction, TrackerBlock, TrackerCallback
from bot.trackers.models import IssueLink
from tests.harness import BotHarness, HttpResult, http
from tests.intake.helpers import accept_values, act, file_request, reload
from tests.slack.signing import state_value
from tests.trackers.conftest import JIRA_WEBHOOK_SECRET

ADMIN = "UADMIN"


def home(bot: BotHarness, user: str) -> dict[str, Any]:
    bot.event({"type": "app_home_opened", "user": user, "tab": "home"})
    bot.idle()
    view = bot.fake.home_of(user)
    assert view is not None
    return view


def settings_values(
    *, project: str = "OPS", issue_type: str = "Task", create_on: str = "accept", kind: str = "jira"
) -> dict[str, Any]:
    return {
        TrackerBlock.kind: {TrackerAction.kind: state_value("static_select", kind)},
        TrackerBlock.project: {TrackerAction.project: project},
        TrackerBlock.issue_type: {TrackerAction.issue_type: issue_type},
        TrackerBlock.create_on: {TrackerAction.create_on: state_value("radio_buttons", create_on)},
    }


def connect_jira(bot: BotHarness, **values: str) -> HttpResult:
    """An admin opens App Home, presses "Tracker settings" and submits the modal."""
    view = home(bot, ADMIN)
    assert "*Work tracker* (admins)" in json.dumps(view)
    bot.action(TrackerAction.open_settings, view=view, user_id=ADMIN)
    bot.idle()
    modal = bot.fake.calls("views.open")[-1].args["view"]
    assert modal["callback_id"] == TrackerCallback.settings
    answer = bot.submit(TrackerCallback.settings, settings_values(**values), user_id=ADMIN)
    bot.idle()
    return answer


def signed_jira_post(
    bot: BotHarness, payload: Any, *, secret: str = JIRA_WEBHOOK_SECRET
) -> HttpResult:
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return http(
        "POST",
        f"{bot.server.url}/webhooks/jira",
        body,
        {"Content-Type": "application/json", "X-Hub-Signature": f"sha256={digest}"},
    )


def link_of(bot: BotHarness, request_id: int) -> IssueLink | None:
    from sqlalchemy import select

    with bot.session() as session:
        link = session.scalar(select(IssueLink).where(IssueLink.request_id == request_id))
        if link is not None:
            session.expunge(link)
        return link


def accepted_request(bot: BotHarness, title: str = "Fix the lead source field") -> IntakeRequest:
    """A request filed, then accepted with a 6-hour estimate: what makes its tracker issue."""
    request = file_request(bot, title=title)
    answer = act(bot, Action.accept, Callback.accept, request, accept_values(hours="6", size=None))
    assert answer.status == 200
    bot.idle()
    return reload(bot, request.id)
