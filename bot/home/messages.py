"""The Home tab as an outbox object: one row per person, published from the latest state."""

from __future__ import annotations

from collections.abc import Sequence

from bot.home import views
from bot.home.effects import HOME_KIND
from bot.i18n import translator_for
from bot.outbox.kinds import OutboxKind
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Delivery
from bot.sections import HomeViewer
from bot.services import Services
from bot.slack.sender import HomeTab, Outgoing
from bot.workspaces.models import Member


class HomeKind(OutboxKind):
    name = HOME_KIND
    versioned = True

    def __init__(self, services: Services) -> None:
        self.services = services

    def resendable(self, delivery: Delivery) -> bool:
        return True  # views.publish shows the whole tab: twice is the same as once

    def before_render(self, services: Services, delivery: Delivery) -> None:
        client = services.clients.for_team(delivery.team_id)
        services.directory.member(client, team_id=delivery.team_id, user_id=delivery.recipient)

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        member = ctx.session.get(Member, (delivery.team_id, delivery.recipient))
        if member is None:
            return []
        t = translator_for(member.locale)
        viewer = HomeViewer(
            session=ctx.session, team_id=delivery.team_id, member=member, t=t, now=ctx.now
        )
        sections = [blocks for _, blocks in self.services.sections.home.render(viewer)]
        return [HomeTab(user_id=delivery.recipient, view=views.home_view(t, sections))]
