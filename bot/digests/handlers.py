"""Unsubscribe / resubscribe (honoured at once) and the admins' digest day and hour.

Listeners ack, parse, call a flow (bot/digests/flows.py); the digest DM's edit and the Home tab
a change owes are delivered by the outbox after the flow's transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.digests import flows, service, views
from bot.digests.ids import DigestAction, DigestBlock, DigestView
from bot.errors import N_
from bot.privacy import powers
from bot.sections import Block, DigestReader, HomeViewer
from bot.services import Services
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal
from bot.workspaces.service import is_admin

ADMINS_ONLY = N_("Only workspace admins can do this.")


def _clicked_in(body: dict[str, Any]) -> flows.DigestShown | None:
    """The digest DM the button was clicked in (None from the Home tab)."""
    message, channel = body.get("message"), body.get("channel")
    if not message or not channel or not message.get("ts"):
        return None
    return flows.DigestShown(
        channel=channel["id"],
        ts=message["ts"],
        text=message.get("text", ""),
        blocks=list(message.get("blocks") or []),
    )


def on_unsubscribe(ack: Ack, body: dict[str, Any], caller: Caller, services: Services) -> None:
    ack()
    flows.unsubscribe(
        services.session_factory,
        caller.actor,
        clicked_in=_clicked_in(body),
        now=datetime.now(UTC),
    )


def on_resubscribe(ack: Ack, caller: Caller, services: Services) -> None:
    ack()
    flows.resubscribe(services.session_factory, caller.actor, now=datetime.now(UTC))


def on_open_settings(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    powers.require_admin_of(services, client, context, "open digest settings")
    weekday, hour = flows.cadence(services.session_factory, team_id=caller.team_id)
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=views.settings_modal(caller.t, weekday=weekday, hour=hour),
    )


def on_save_settings(
    ack: Ack,
    context: BoltContext,
    caller: Caller,
    form: Form,
    services: Services,
    client: WebClient,
) -> None:
    values = form.values
    ack()
    powers.require_admin_of(services, client, context, "digest settings")
    flows.change_cadence(
        services.session_factory,
        caller.actor,
        weekday=int(values[DigestBlock.weekday]),
        hour=int(values[DigestBlock.hour]),
        now=datetime.now(UTC),
    )


# ---------------------------------------------------------------- sections


def home_section(viewer: HomeViewer) -> list[Block]:
    settings = service.settings_of(session=viewer.session, team_id=viewer.team_id)
    return views.home_section(
        viewer.t,
        subscribed=service.is_subscribed(
            session=viewer.session, team_id=viewer.team_id, user_id=viewer.user_id
        ),
        weekday=settings.weekday,
        hour=settings.hour,
        is_admin=is_admin(viewer.member),
    )


def team_week_section(reader: DigestReader) -> list[Block]:
    start, end = reader.window  # the reader's own week, in their time zone
    week = service.team_week(session=reader.session, team_id=reader.team_id, start=start, end=end)
    return views.team_week_line(reader.t, week)


def register(app: App, services: Services) -> None:
    app.action(DigestAction.unsubscribe)(on_unsubscribe)
    app.action(DigestAction.resubscribe)(on_resubscribe)
    app.action(DigestAction.open_settings)(on_open_settings)
    app.view(DigestView.settings)(on_save_settings)
    services.sections.home.add(order=800, name="digest", section=home_section)
    # Last: the one line on the team's week closes the digest's news.
    services.sections.digest.add(order=900, name="team-week", section=team_week_section)
