"""Unsubscribe / resubscribe (honoured at once) and the admins' digest day and hour."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db import session_scope
from bot.digests import service, views
from bot.digests.ids import DigestAction, DigestBlock, DigestView
from bot.errors import N_
from bot.home.handlers import publish_home
from bot.privacy import powers
from bot.sections import Block, DigestReader, HomeViewer
from bot.services import Services
from bot.slack.forms import submitted_values
from bot.workspaces.service import is_admin

ADMINS_ONLY = N_("Only workspace admins can do this.")


def register(app: App, services: Services) -> None:
    def unsubscribe(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        with session_scope(services.session_factory) as session:
            service.unsubscribe(
                session=session,
                team_id=context.team_id,
                user_id=context.user_id,
                now=datetime.now(UTC),
            )
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
        message = body.get("message")
        if message and body.get("channel"):
            # The digest DM itself: swap its footer for a note, keep what it said.
            client.chat_update(
                channel=body["channel"]["id"],
                ts=message["ts"],
                text=message.get("text", ""),
                blocks=views.unsubscribed_message(t, message.get("blocks", [])),
            )
        publish_home(services, client, team_id=context.team_id, user_id=context.user_id)

    def resubscribe(ack: Ack, context: Any, client: WebClient) -> None:
        ack()
        with session_scope(services.session_factory) as session:
            service.resubscribe(
                session=session,
                team_id=context.team_id,
                user_id=context.user_id,
                now=datetime.now(UTC),
            )
        publish_home(services, client, team_id=context.team_id, user_id=context.user_id)

    def open_settings(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        powers.require_admin_of(services, client, context, "open digest settings")
        with session_scope(services.session_factory) as session:
            settings = service.settings_of(session=session, team_id=context.team_id)
            weekday, hour = settings.weekday, settings.hour
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
        client.views_open(
            trigger_id=body["trigger_id"], view=views.settings_modal(t, weekday=weekday, hour=hour)
        )

    def save_settings(ack: Ack, view: dict[str, Any], context: Any, client: WebClient) -> None:
        values = submitted_values(view)
        ack()
        powers.require_admin_of(services, client, context, "digest settings")
        with session_scope(services.session_factory) as session:
            service.change_cadence(
                session=session,
                team_id=context.team_id,
                weekday=int(values[DigestBlock.weekday]),
                hour=int(values[DigestBlock.hour]),
                now=datetime.now(UTC),
            )
        publish_home(services, client, team_id=context.team_id, user_id=context.user_id)

    app.action(DigestAction.unsubscribe)(unsubscribe)
    app.action(DigestAction.resubscribe)(resubscribe)
    app.action(DigestAction.open_settings)(open_settings)
    app.view(DigestView.settings)(save_settings)

    def home(viewer: HomeViewer) -> list[Block]:
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

    services.sections.home.add(order=800, name="digest", section=home)

    def team_week(reader: DigestReader) -> list[Block]:
        start, end = reader.window  # the reader's own week, in their time zone
        week = service.team_week(
            session=reader.session, team_id=reader.team_id, start=start, end=end
        )
        return views.team_week_line(reader.t, week)

    # Last: the one line on the team's week closes the digest's news.
    services.sections.digest.add(order=900, name="team-week", section=team_week)
