"""Listeners that keep the member directory current, and the admins' webhook token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db import session_scope
from bot.errors import N_
from bot.privacy import powers
from bot.scheduling import service as scheduling
from bot.sections import Block, HomeViewer
from bot.services import Services
from bot.slack.middleware import Caller
from bot.slack.modals import open_modal
from bot.workspaces import service, views
from bot.workspaces.ids import WorkspaceAction

ADMINS_ONLY = N_("Only workspace admins can do this.")


def on_issue_webhook_token(
    ack: Ack,
    body: dict[str, Any],
    context: Any,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    """A new bearer token for the workspace's webhooks, shown once in a modal."""
    ack()
    powers.require_admin_of(services, client, context, "issue a webhook token")
    with session_scope(services.session_factory) as session:
        token = service.issue_webhook_token(
            session=session,
            team_id=caller.team_id,
            created_by=caller.user_id,
            now=datetime.now(UTC),
        )
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=views.webhook_token_modal(caller.t, token=token),
    )


def register(app: App, services: Services) -> None:
    def on_user_change(event: dict[str, Any], context: Any) -> None:
        # Slack pushes the new profile: a moved user gets their digest at their new local hour.
        user = event["user"]
        services.directory.remember(team_id=context.team_id, user=user)
        if user.get("tz"):
            with session_scope(services.session_factory) as session:
                scheduling.follow_recipient_tz(
                    session=session,
                    team_id=context.team_id,
                    user_id=user["id"],
                    tz=user["tz"],
                    now=datetime.now(UTC),
                )

    services.events.on(
        "user_change",
        lambda event, context, client, body: on_user_change(event=event, context=context),
        name="member directory",
    )
    app.action(WorkspaceAction.issue_webhook_token)(on_issue_webhook_token)
    services.sections.home.add(order=950, name="webhook-token", section=webhook_token_section)


def webhook_token_section(viewer: HomeViewer) -> list[Block]:
    if not service.is_admin(viewer.member):
        return []
    has_token = service.has_webhook_token(session=viewer.session, team_id=viewer.team_id)
    return views.webhook_token_section(viewer.t, has_token=has_token)
