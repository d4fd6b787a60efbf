"""Admins see failed scheduled sends in the Home tab: nothing is dropped silently."""

from __future__ import annotations

from slack_bolt import App

from bot.scheduling import service, views
from bot.sections import Block, HomeViewer
from bot.services import Services
from bot.workspaces.service import is_admin


def register(app: App, services: Services) -> None:
    services.sections.home.add(
        order=900, name="failed-deliveries", section=failed_deliveries_section
    )


def failed_deliveries_section(viewer: HomeViewer) -> list[Block]:
    if not is_admin(viewer.member):
        return []
    failed = service.failed_deliveries(session=viewer.session, team_id=viewer.team_id)
    return views.failed_deliveries(viewer.t, failed)
