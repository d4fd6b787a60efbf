"""Slack listeners of the trackers domain: App Home's tracker settings, the card's "Create
issue" button; and what intake asks of this domain (followers of a request's moves, the
card's line naming the issue)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.errors import N_, UserFacingError
from bot.i18n import Translator
from bot.intake import followers
from bot.intake.models import IntakeRequest
from bot.privacy import powers
from bot.sections import HomeViewer
from bot.services import Services
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal
from bot.trackers import effects, flows, service, views
from bot.trackers.adapters import ADAPTERS, available, client_for
from bot.trackers.client import IssueGone, TrackerRefused, TrackerUnavailable
from bot.trackers.ids import TrackerAction, TrackerBlock, TrackerCallback
from bot.trackers.models import CreateOn
from bot.workspaces.service import is_admin

logger = logging.getLogger(__name__)
ADMINS_ONLY = N_("Only workspace admins can change the tracker settings.")
NO_ISSUE_NOW = N_("This request cannot have an issue now (accept it first, or connect a tracker).")
FIELDS = {
    "kind": TrackerBlock.kind,
    "project": TrackerBlock.project,
    "issue_type": TrackerBlock.issue_type,
}


def _available(services: Services) -> list[tuple[str, str]]:
    return [(kind, ADAPTERS[kind].label) for kind in available(services.settings)]


# ---------------------------------------------------------------- what intake shows


def card_line(session: Session, request: IntakeRequest, t: Translator) -> str | None:
    link = service.link_of(session=session, team_id=request.team_id, request_id=request.id)
    if link is None:
        return None
    return views.issue_line(
        t,
        tracker=flows.tracker_name(link.kind),
        key=link.identifier,
        url=link.url,
        deleted=link.deleted_at is not None,
    )


def request_tags(session: Session, team_id: str, request_ids: Sequence[int]) -> dict[int, str]:
    """App Home's lists: each request's issue key (struck through once deleted)."""
    return {
        link.request_id: f"~{link.identifier}~"
        if link.deleted_at
        else f"<{link.url}|{link.identifier}>"
        for link in service.links_of(session=session, team_id=team_id, request_ids=request_ids)
    }


def card_button(session: Session, request: IntakeRequest, t: Translator) -> dict[str, Any] | None:
    connection = service.connection_of(session=session, team_id=request.team_id)
    if connection is None or connection.create_on != CreateOn.button:
        return None
    if not service.wants_issue(connection=connection, request=request, asked=True):
        return None
    if service.link_of(session=session, team_id=request.team_id, request_id=request.id):
        return None
    return views.create_button(t, request.id)


# ---------------------------------------------------------------- listeners


def on_open_settings(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    powers.require_admin_of(services, client, context, "open tracker settings")
    shown = flows.settings_shown(
        services.session_factory, team_id=caller.team_id, available=_available(services)
    )
    open_modal(client, trigger_id=body["trigger_id"], view=views.settings_modal(caller.t, shown))


def _selected(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("value")
    return value if isinstance(value, str) else None


def on_settings_submitted(
    ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient
) -> None:
    """Field errors in the ack, after asking the tracker whether the project exists and the
    credentials may use it (one or two calls, well within Slack's three seconds)."""
    values = form.values
    parsed, errors = service.parse_connection(
        kind=_selected(values.get(TrackerAction.kind)),
        project=values.get(TrackerAction.project) or "",
        issue_type=values.get(TrackerAction.issue_type) or "",
        create_on=_selected(values.get(TrackerAction.create_on)),
        available=available(services.settings),
    )
    t = caller.t
    if parsed is None:
        ack(response_action="errors", errors={FIELDS[f]: t.gettext(m) for f, m in errors.items()})
        return
    if not powers.check_admin(
        services, client, team_id=caller.team_id, user_id=caller.user_id, action="tracker settings"
    ):
        ack()
        raise UserFacingError(ADMINS_ONLY)
    kind, project = str(parsed["kind"]), str(parsed["project"])
    tracker = client_for(
        services.settings, kind=kind, project=project, issue_type=parsed["issue_type"]
    )
    assert tracker is not None  # parse_connection allowed only configured kinds
    field_errors = _checked(t, tracker.check_connection, parsed, label=ADAPTERS[kind].label)
    if field_errors:
        ack(response_action="errors", errors=field_errors)
        return
    ack()
    flows.connect(
        services.session_factory,
        team_id=caller.team_id,
        user_id=caller.user_id,
        kind=kind,
        project=project,
        issue_type=parsed["issue_type"],
        create_on=str(parsed["create_on"]),
        now=datetime.now(UTC),
    )


def _checked(
    t: Translator, check: Any, parsed: dict[str, str | None], *, label: str
) -> dict[str, str]:
    try:
        issue_types = check()
    except IssueGone:
        return {
            TrackerBlock.project: t.gettext("{tracker} has no project or team {key}.").format(
                tracker=label, key=parsed["project"]
            )
        }
    except TrackerRefused as refused:
        logger.warning("tracker settings: %s refused the check: %s", label, refused)
        return {
            TrackerBlock.project: t.gettext(
                "{tracker} refused the bot's credentials for {key}: check the token and its "
                "permissions."
            ).format(tracker=label, key=parsed["project"])
        }
    except TrackerUnavailable as down:
        logger.warning("tracker settings: %s did not answer: %s", label, down)
        return {
            TrackerBlock.project: t.gettext(
                "{tracker} did not answer: try again in a moment."
            ).format(tracker=label)
        }
    wanted = parsed["issue_type"]
    if wanted and issue_types and wanted not in issue_types:
        return {
            TrackerBlock.issue_type: t.gettext(
                "{key} has no issue type {type}; it has: {types}."
            ).format(key=parsed["project"], type=wanted, types=", ".join(issue_types))[:150]
        }
    return {}


def on_create_issue(ack: Ack, body: dict[str, Any], caller: Caller, services: Services) -> None:
    """The card's "Create issue" (when issues are created by the button): the sync is owed;
    the outbox creates it, and the card then names it."""
    ack()
    action = (body.get("actions") or [{}])[0]
    try:
        request_id = int(action.get("value") or "")
    except ValueError:
        logger.info("create issue: unreadable request id")
        return
    if not flows.create_asked(
        services.session_factory,
        caller.actor,
        request_id=request_id,
        now=datetime.now(UTC),
    ):
        raise UserFacingError(NO_ISSUE_NOW)


def register(app: App, services: Services) -> None:
    app.action(TrackerAction.open_settings)(on_open_settings)
    app.view(TrackerCallback.settings)(on_settings_submitted)
    app.action(TrackerAction.create_issue)(on_create_issue)
    followers.follow_moves("trackers", effects.request_moved)
    followers.add_card_line("trackers", card_line)
    followers.add_card_button("trackers", card_button)
    followers.add_request_tags("trackers", request_tags)
    configured = _available(services)

    def section(viewer: HomeViewer) -> list[dict[str, Any]]:
        if not is_admin(viewer.member) or not configured:
            return []
        summary = flows.summary(viewer.session, team_id=viewer.team_id, available=configured)
        return views.home_section(viewer.t, summary)

    services.sections.home.add(order=945, name="trackers-settings", section=section)
