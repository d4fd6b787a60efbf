"""Admins see failed scheduled sends in the Home tab: nothing is dropped silently."""

from __future__ import annotations

from slack_bolt import App

from bot.home.registry import Block, HomeViewer
from bot.scheduling import service, views
from bot.services import Services


def register(app: App, services: Services) -> None:
    services.home.add(order=900, name="failed-deliveries", section=failed_deliveries_section)


def failed_deliveries_section(viewer: HomeViewer) -> list[Block]:
    if not (viewer.member.is_admin or viewer.member.is_owner):
        return []
    failed = service.failed_deliveries(session=viewer.session, team_id=viewer.team_id)
    return views.failed_deliveries(viewer.t, failed)
