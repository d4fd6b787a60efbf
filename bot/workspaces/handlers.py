"""Listeners that keep the member directory current."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    def on_user_change(event: dict[str, Any], context: Any) -> None:
        # Slack pushes the new profile: a moved user gets their digest at their new hour.
        services.directory.remember(team_id=context.team_id, user=event["user"])

    app.event("user_change")(on_user_change)
