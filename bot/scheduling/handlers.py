"""Admins see in the Home tab what could not be sent, and what still waits for Slack:
nothing is dropped silently, and a delay is visible."""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import App

from bot.outbox import service as outbox
from bot.scheduling import ledger, views
from bot.sections import Block, HomeViewer
from bot.services import Services
from bot.workspaces.service import is_admin

# A message owed for longer than this while Slack does not take it is shown to admins.
WAITING_SHOWN_AFTER = timedelta(minutes=1)


def register(app: App, services: Services) -> None:
    services.sections.home.add(
        order=899,
        name="waiting-deliveries",
        section=lambda viewer: waiting_deliveries_section(services, viewer),
    )
    services.sections.home.add(
        order=900, name="failed-deliveries", section=failed_deliveries_section
    )


def waiting_deliveries_section(services: Services, viewer: HomeViewer) -> list[Block]:
    if not is_admin(viewer.member) or not services.owed_kinds:
        return []
    waiting = outbox.waiting(
        session=viewer.session,
        team_id=viewer.team_id,
        kinds=services.owed_kinds,
        now=viewer.now,
        older_than=WAITING_SHOWN_AFTER,
    )
    return views.waiting_deliveries(viewer.t, waiting, now=viewer.now)


def failed_deliveries_section(viewer: HomeViewer) -> list[Block]:
    if not is_admin(viewer.member):
        return []
    failed = ledger.failed_deliveries(session=viewer.session, team_id=viewer.team_id)
    return views.failed_deliveries(viewer.t, failed)
