"""The weekly personal digest: one DM per member, on their day and hour, in their time zone."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.digests import service, views
from bot.i18n import translator_for
from bot.scheduling.cadence import local_date
from bot.scheduling.kinds import JobContext, JobKind, ScheduledKind
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.sections import DigestReader
from bot.services import Services
from bot.slack.sender import OutgoingMessage
from bot.workspaces.models import Member, Workspace
from bot.workspaces.service import ensure_workspace

logger = logging.getLogger(__name__)


class WeeklyDigest(ScheduledKind):
    name = service.KIND
    tick_seconds = 60
    # A digest is about its week: later than that it is skipped (and recorded as skipped).
    grace = timedelta(days=6)
    max_attempts = 5

    def prepare(self, services: Services, *, now: datetime, team_id: str | None) -> None:
        teams = self._teams(services, team_id)
        for team in teams:
            with session_scope(services.session_factory) as session:
                stale = service.needs_member_sync(
                    settings=service.settings_of(session=session, team_id=team), now=now
                )
            if not stale:
                continue
            synced = services.directory.sync(services.clients.for_team(team), team_id=team)
            with session_scope(services.session_factory) as session:
                service.settings_of(session=session, team_id=team).members_synced_at = now
            logger.info("members synced", extra={"team": team, "count": synced})

    @staticmethod
    def _teams(services: Services, team_id: str | None) -> list[str]:
        """Workspaces whose members to sync: not those that uninstalled the app (their token
        is dead, and their data only waits for the grace period to end)."""
        token_team = services.clients.token_team_id() if team_id is None else team_id
        with session_scope(services.session_factory) as session:
            if token_team is not None:
                ensure_workspace(session=session, team_id=token_team)
            query = select(Workspace.team_id).where(Workspace.uninstalled_at.is_(None))
            if team_id is not None:
                query = query.where(Workspace.team_id == team_id)
            return list(session.scalars(query))

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        teams = [team_id] if team_id else list(ctx.session.scalars(select(Workspace.team_id)))
        for team in teams:
            service.schedule_new_members(session=ctx.session, team_id=team, now=ctx.now)
        return super().plan(ctx, team_id=team_id, forced=forced)

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        member = ctx.session.get(Member, (delivery.team_id, delivery.recipient))
        subscribed = service.is_subscribed(
            session=ctx.session, team_id=delivery.team_id, user_id=delivery.recipient
        )
        if member is None or not service.may_receive(member, subscribed=subscribed):
            return []
        t = translator_for(member.locale)
        # The week of the slot it was due in: a digest sent late (caught up, retried) still
        # tells the week it was meant to, in the reader's own time zone.
        week = service.week_before(local_date(delivery.due_at, member.tz or "UTC"))
        reader = DigestReader(
            session=ctx.session,
            team_id=delivery.team_id,
            member=member,
            t=t,
            now=ctx.now,
            week_start=week.start,
            week_end=week.end,
        )
        sections = [blocks for _, blocks in ctx.services.sections.digest.render(reader)]
        if not any(sections):
            return []  # a user with nothing to say gets nothing that week
        text, blocks = views.digest_message(t, name=member.name, sections=sections)
        return [OutgoingMessage(channel=member.user_id, text=text, blocks=blocks)]


def kinds(services: Services) -> list[JobKind]:
    return [WeeklyDigest()]
