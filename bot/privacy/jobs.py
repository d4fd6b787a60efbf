"""Scheduled privacy work: the retention purge (daily, through the ledger) and the purge of
workspaces whose uninstall grace period is over."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.privacy import lifecycle, retention
from bot.privacy.pseudonyms import key_of
from bot.scheduling.kinds import JobContext, JobKind
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.services import Services
from bot.slack.sender import OutgoingMessage

logger = logging.getLogger(__name__)

RETENTION = "privacy-retention"


class RetentionPurge(JobKind):
    """Once a day per workspace with a retention setting: delete what is older than it.

    The ledger key (workspace, privacy-retention, workspace, date) makes each day's purge run
    once however many clocks tick; the purge reports what it removed in the audit trail.
    """

    name = RETENTION
    tick_seconds = 3600
    grace = timedelta(days=1)
    silent = True

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        secret = key_of(ctx.services.settings.secret_key)
        for gone in lifecycle.workspaces_to_purge(session=ctx.session, now=ctx.now):
            if team_id in (None, gone):
                lifecycle.purge_workspace(
                    session=ctx.session, team_id=gone, now=ctx.now, secret=secret
                )
                logger.warning("workspace purged after its uninstall grace", extra={"team": gone})
        teams = retention.workspaces_with_retention(session=ctx.session)
        return [
            DueItem(team, "workspace", ctx.now.date().isoformat(), "retention", ctx.now)
            for team in teams
            if team_id in (None, team)
        ]

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        report = retention.purge_expired(session=ctx.session, team_id=delivery.team_id, now=ctx.now)
        logger.info("retention purge", extra={"team": delivery.team_id, "removed": report.total()})
        return []


def kinds(services: Services) -> list[JobKind]:
    return [RetentionPurge()]
