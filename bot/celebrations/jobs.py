"""Scheduled work of celebrations, all through the delivery ledger.

- `celebrations-gazette`: weekly, one workspace-level schedule row saved with the settings.
- `celebrations-top-performers`: the first working day of each month, same row shape.
- `celebrations-salesforce-poll`: every SALESFORCE_POLL_SECONDS, closed-won opportunities
  read from Salesforce become wins (salesforce_poll.py); it posts nothing itself.

(Win cards are outbox messages: see messages.py.)

Channel posts speak the workspace's default language (`JobContext.translator` without a user):
a channel has many readers, and the workspace chose one language for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.celebrations import queries, report_views, salesforce_poll, service
from bot.celebrations.salesforce import SalesforceCrm
from bot.charts import draw
from bot.charts.upload import with_chart
from bot.scheduling.kinds import JobContext, JobKind, ScheduledKind
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.sections import GazetteReader
from bot.services import Services
from bot.slack.sender import Outgoing, OutgoingMessage


class GazetteKind(ScheduledKind):
    """The weekly gazette: every domain's gazette section, or a short quiet-week note."""

    name = service.GAZETTE_KIND
    grace = timedelta(hours=12)

    def render(self, ctx: JobContext, delivery: Delivery) -> list[Outgoing]:
        settings = service.settings_of(session=ctx.session, team_id=delivery.team_id)
        t = ctx.translator(team_id=delivery.team_id)
        week_start, week_end = service.gazette_week(due_at=delivery.due_at, tz=settings.gazette_tz)
        reader = GazetteReader(
            session=ctx.session,
            team_id=delivery.team_id,
            t=t,
            now=ctx.now,
            week_start=week_start,
            week_end=week_end,
            tz=settings.gazette_tz,  # every section counts the same local days
        )
        sections = [blocks for _, blocks in ctx.services.sections.gazette.render(reader) if blocks]
        if not sections:  # a quiet week still gets its gazette, short and friendly
            sections = [report_views.quiet_week(t)]
        header = report_views.gazette_header(t, week_start=week_start, week_end=week_end)
        messages = report_views.split_messages(header, sections)
        texts = report_views.gazette_texts(
            t, week_start=week_start, week_end=week_end, parts=len(messages)
        )
        sent: list[Outgoing] = [
            OutgoingMessage(
                channel=delivery.recipient, text=text, blocks=blocks, in_thread_of_first=part > 0
            )
            for part, (text, blocks) in enumerate(zip(texts, messages, strict=True))
        ]
        # Wins per week over the quarter, drawn when the quarter has any, in the gazette's
        # first message (uploaded once).
        chart = draw.gazette_wins_chart(
            t,
            queries.wins_per_week(
                session=ctx.session,
                team_id=delivery.team_id,
                week_end=week_end,
                tz=settings.gazette_tz,
            ),
        )
        return with_chart(sent, chart)


class TopPerformersKind(ScheduledKind):
    """The month's top sellers, support agents and best cases; nothing when nobody won."""

    name = service.TOP_PERFORMERS_KIND
    grace = timedelta(days=2)

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        settings = service.settings_of(session=ctx.session, team_id=delivery.team_id)
        if not settings.top_performers:
            return []
        month_start, month_end = service.previous_month(
            due_at=delivery.due_at, tz=settings.gazette_tz
        )
        start, end = service.local_days_window(
            start=month_start, end=month_end, tz=settings.gazette_tz
        )
        wins = service.wins_between(
            session=ctx.session, team_id=delivery.team_id, start=start, end=end
        )
        rankings = service.monthly_standings(wins, service.exchange_rates_of(settings))
        if not rankings:
            return []
        t = ctx.translator(team_id=delivery.team_id)
        text, blocks = report_views.top_performers(t, month_start=month_start, rankings=rankings)
        return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]


class SalesforcePollKind(JobKind):
    """Reads closed-won opportunities in its tick's preparation (no transaction open while
    Salesforce answers); the wins it stores owe their cards through the outbox."""

    name = service.SALESFORCE_POLL_KIND
    silent = True

    def __init__(self, services: Services) -> None:
        self.tick_seconds = services.settings.salesforce_poll_seconds
        self.crm = SalesforceCrm(services.settings)  # keeps the access token between ticks

    def prepare(self, services: Services, *, now: datetime, team_id: str | None) -> None:
        salesforce_poll.poll(services, self.crm)

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        return []

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        return []


def kinds(services: Services) -> list[JobKind]:
    return [GazetteKind(), TopPerformersKind(), SalesforcePollKind(services)]
