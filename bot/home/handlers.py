"""Listeners of the Home tab frame; domains plug their sections in through HomeRegistry.

A Home tab is an outbox object (bot/home/messages.py): opening it, or any change someone sees
there, owes a publish of the latest state; publishes of one tab coalesce and never go back to
an older state.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.celebrations import handlers as celebrations_handlers
from bot.db import session_scope
from bot.digests import handlers as digests_handlers
from bot.home import views
from bot.home.effects import owe_homes
from bot.home.setup import SetupAction, setup_steps
from bot.intake import handlers_settings as intake_settings
from bot.privacy import handlers as privacy_handlers
from bot.sections import Block, HomeViewer
from bot.services import Services
from bot.workspaces.service import is_admin

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    services.sections.home.add(order=1, name="setup-checklist", section=setup_checklist_section)
    services.sections.home.add(
        order=1000, name="welcome", section=lambda viewer: views.welcome_section(viewer.t)
    )
    # The checklist's buttons open each domain's own settings modal.
    app.action(SetupAction.intake)(intake_settings.on_open_settings)
    app.action(SetupAction.celebrations)(celebrations_handlers.on_open_settings)
    app.action(SetupAction.digests)(digests_handlers.on_open_settings)
    app.action(SetupAction.privacy)(privacy_handlers.on_open_settings)

    def on_home_opened(
        event: dict[str, Any], context: BoltContext, client: WebClient, body: dict[str, Any]
    ) -> None:
        if event.get("tab") != "home" or not context.team_id or not event.get("user"):
            return
        publish_home(services, client, team_id=context.team_id, user_id=event["user"])

    services.events.on("app_home_opened", on_home_opened, name="home")


def setup_checklist_section(viewer: HomeViewer) -> list[Block]:
    """Admins only, and only until every step is done."""
    if not is_admin(viewer.member):
        return []
    steps = setup_steps(session=viewer.session, team_id=viewer.team_id)
    if all(step.done for step in steps):
        return []
    shown = [
        views.SetupStepShown(
            action_id=step.action, title=viewer.t.gettext(step.title), done=step.done
        )
        for step in steps
    ]
    return views.setup_checklist_section(viewer.t, shown)


def publish_home(services: Services, client: WebClient, *, team_id: str, user_id: str) -> None:
    """Owe one user's Home tab a publish of the latest state, in a transaction of its own
    (flows owe it in theirs: bot/home/effects.py)."""
    with session_scope(services.session_factory) as session:
        owe_homes(session=session, team_id=team_id, user_ids=[user_id], now=datetime.now(UTC))
