"""Listeners of the Home tab frame; domains plug their sections in through HomeRegistry."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.db import session_scope
from bot.home import views
from bot.i18n import translator_for
from bot.sections import HomeViewer
from bot.services import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    services.sections.home.add(
        order=1000, name="welcome", section=lambda viewer: views.welcome_section(viewer.t)
    )

    def on_home_opened(event: dict[str, Any], context: Any, client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        publish_home(services, client, team_id=context.team_id, user_id=event["user"])

    app.event("app_home_opened")(on_home_opened)


def publish_home(services: Services, client: WebClient, *, team_id: str, user_id: str) -> None:
    """Render and publish one user's Home tab; domains call this after a change the user sees."""
    member = services.directory.member(client, team_id=team_id, user_id=user_id)
    t = translator_for(member.locale)
    with session_scope(services.session_factory) as session:
        viewer = HomeViewer(
            session=session, team_id=team_id, member=member, t=t, now=datetime.now(UTC)
        )
        sections = [blocks for _, blocks in services.sections.home.render(viewer)]
    client.views_publish(user_id=user_id, view=views.home_view(t, sections))
