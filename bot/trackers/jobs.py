"""The trackers' scheduled work: asking each connected tracker what changed.

`trackers-poll` ticks every TRACKER_POLL_SECONDS on every clock; each workspace's poll takes
its lease (one process polls a workspace at a time) and reads the changes since its cursor
with no transaction open (flows.poll). For trackers that cannot reach the bot's webhook, and
for what a lost webhook delivery missed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.db import read_scope
from bot.scheduling.kinds import JobContext, JobKind
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.services import Services
from bot.slack.sender import OutgoingMessage
from bot.trackers import flows, service
from bot.trackers.messages import clients

logger = logging.getLogger(__name__)

POLL_KIND = "trackers-poll"


class TrackerPollKind(JobKind):
    name = POLL_KIND
    silent = True

    def __init__(self, services: Services) -> None:
        self.tick_seconds = services.settings.tracker_poll_seconds

    def prepare(self, services: Services, *, now: datetime, team_id: str | None) -> None:
        with read_scope(services.session_factory) as session:
            teams = service.connected_teams(session=session)
        for team in teams:
            if team_id is not None and team != team_id:
                continue
            # Real time: a `jobs run --now` in the past must not move the cursor back.
            applied = flows.poll(
                services.session_factory, clients(services), team_id=team, now=datetime.now(UTC)
            )
            if applied:
                logger.info("tracker poll of %s: %d change(s) applied", team, applied)

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        return []

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        return []


def kinds(services: Services) -> list[JobKind]:
    return [TrackerPollKind(services)]
