"""Scheduled sends of the projects domain, all through the delivery ledger:

- `project-checkin`: the check-in card, per project, at the owner's local time (a schedule row
  per project, paused with the project);
- `project-checkin-reminder`: the one DM reminder to the owner the next working day, and the
  "missed" mark two working days later (data-driven);
- `project-milestone-reminder`: N days before a milestone and on the day, in the project
  channel, mentioning the owner (data-driven);
- `project-flash-report`: the weekly flash report of a workspace (a workspace schedule).

Channel posts use the workspace's default language, DMs the recipient's (see views.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.charts import draw
from bot.charts.upload import with_chart
from bot.projects import chart_data, checkins, flash, followups, report_views, views
from bot.projects.service import (
    CHECKIN_FOLLOWUP_KIND,
    CHECKIN_KIND,
    FLASH_KIND,
    MILESTONE_KIND,
    project_id_of,
)
from bot.scheduling import service as scheduling
from bot.scheduling.cadence import latest_occurrence, period_of
from bot.scheduling.kinds import JobContext, JobKind, ScheduledKind
from bot.scheduling.models import Delivery, Schedule
from bot.scheduling.service import DueItem
from bot.services import Services
from bot.slack.sender import Outgoing, OutgoingMessage, PostedMessage


def kinds(services: Services) -> list[JobKind]:
    return [CheckinKind(), CheckinFollowUpKind(), MilestoneReminderKind(), FlashReportKind()]


def _id_after(prefix: str, subject: str) -> int | None:
    head, _, number = subject.partition(":")
    return int(number) if head == prefix and number.isdigit() else None


class CheckinKind(ScheduledKind):
    """The check-in card of each project, on its cadence in the owner's time zone."""

    name = CHECKIN_KIND
    grace = timedelta(hours=12)

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        items = super().plan(ctx, team_id=team_id, forced=forced)
        if forced and items:
            items = self._slots_come(ctx, items)
        # The ledger key is (team, kind, recipient, period) and the recipient is the channel:
        # two projects animated in one channel need the project in the period.
        return [replace(item, period=f"{item.subject}:{item.period}") for item in items]

    def _slots_come(self, ctx: JobContext, items: list[DueItem]) -> list[DueItem]:
        # An operator's `jobs run` fires the period containing --now; a check-in still waits
        # for its local time within that period, and is due at that time, not at --now.
        schedules = {
            (schedule.team_id, schedule.subject): schedule
            for schedule in ctx.session.scalars(
                select(Schedule).where(
                    Schedule.kind == self.name,
                    Schedule.subject.in_({item.subject for item in items}),
                )
            )
        }
        due = []
        for item in items:
            schedule = schedules[(item.team_id, item.subject)]
            holidays = scheduling.holidays_of(session=ctx.session, team_id=item.team_id)
            cadence = scheduling.cadence_of(schedule, holidays)
            slot = latest_occurrence(cadence, ctx.now)
            if slot is not None and period_of(cadence, slot) == item.period:
                due.append(
                    DueItem(item.team_id, item.recipient, item.period, item.subject, due_at=slot)
                )
        return due

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        project_id = project_id_of(delivery.subject)
        opened = project_id and checkins.open_checkin(
            session=ctx.session,
            team_id=delivery.team_id,
            project_id=project_id,
            period=delivery.period,
            due_at=delivery.due_at,
            now=ctx.now,
        )
        if not opened:
            return []  # paused, abandoned, or already answered: nothing to ask
        project, checkin = opened
        text, blocks = views.checkin_card(
            ctx.translator(team_id=delivery.team_id), project, checkin
        )
        return [OutgoingMessage(channel=project.channel_id, text=text, blocks=blocks)]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        project_id = project_id_of(delivery.subject)
        channel = posted[0].channel if posted else delivery.channel
        ts = posted[0].ts if posted else delivery.ts
        if project_id and channel and ts:
            checkins.record_checkin_card(
                session=ctx.session,
                team_id=delivery.team_id,
                project_id=project_id,
                period=delivery.period,
                channel_id=channel,
                ts=ts,
            )


class CheckinFollowUpKind(JobKind):
    """One DM to the owner when a check-in has no update by the next working day; the check-in
    is marked missed two working days later. At most one reminder a day per project."""

    name = CHECKIN_FOLLOWUP_KIND

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        reminders = followups.follow_up_checkins(session=ctx.session, now=ctx.now, team_id=team_id)
        return [
            DueItem(
                team_id=reminder.project.team_id,
                recipient=reminder.project.owner_id,
                period=reminder.period,
                subject=f"checkin:{reminder.checkin.id}",
                due_at=reminder.due_at,
            )
            for reminder in reminders
        ]

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        checkin_id = _id_after("checkin", delivery.subject)
        found = checkin_id and followups.pending_reminder(
            session=ctx.session, team_id=delivery.team_id, checkin_id=checkin_id
        )
        if not found or found[1].reminded_at is not None:
            return []
        project, checkin = found
        t = ctx.translator(team_id=delivery.team_id, user_id=project.owner_id)
        text, blocks = views.checkin_reminder(t, project, checkin)
        return [OutgoingMessage(channel=project.owner_id, text=text, blocks=blocks)]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        checkin_id = _id_after("checkin", delivery.subject)
        if checkin_id:
            followups.record_reminded(session=ctx.session, checkin_id=checkin_id, now=ctx.now)


class MilestoneReminderKind(JobKind):
    """N days before a milestone (default 3) and on the day, in the channel, to the owner."""

    name = MILESTONE_KIND

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        return [
            DueItem(
                team_id=due.project.team_id,
                recipient=due.project.channel_id,
                period=due.period,
                subject=f"milestone:{due.milestone.id}",
                due_at=due.due_at,
            )
            for due in followups.milestone_reminders_due(
                session=ctx.session, now=ctx.now, team_id=team_id
            )
        ]

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        milestone_id = _id_after("milestone", delivery.subject)
        found = milestone_id and followups.open_milestone(
            session=ctx.session, team_id=delivery.team_id, milestone_id=milestone_id
        )
        if not found:
            return []  # reached meanwhile, or the project is paused
        project, milestone = found
        today = ctx.now.astimezone(ZoneInfo(project.tz)).date()
        text, blocks = views.milestone_reminder(
            ctx.translator(team_id=delivery.team_id),
            project,
            milestone,
            days_left=(milestone.due_date - today).days,
        )
        return [OutgoingMessage(channel=project.channel_id, text=text, blocks=blocks)]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        milestone_id = _id_after("milestone", delivery.subject)
        if milestone_id:
            followups.record_milestone_reminded(
                session=ctx.session,
                milestone_id=milestone_id,
                on_the_day=delivery.period.endswith(":day"),
                now=ctx.now,
            )


class FlashReportKind(ScheduledKind):
    """The weekly flash report, in the channel an admin chose; long reports are threaded."""

    name = FLASH_KIND
    grace = timedelta(hours=24)

    def render(self, ctx: JobContext, delivery: Delivery) -> list[Outgoing]:
        report = flash.flash_report(session=ctx.session, team_id=delivery.team_id, now=ctx.now)
        if report.is_empty:
            return []
        schedule = flash.flash_report_schedule(session=ctx.session, team_id=delivery.team_id)
        tz = schedule.tz if schedule else "UTC"
        t = ctx.translator(team_id=delivery.team_id)
        week_of = ctx.now.astimezone(ZoneInfo(tz)).date()
        parts = report_views.flash_report(t, report, week_of=week_of)
        messages: list[Outgoing] = [
            OutgoingMessage(
                channel=delivery.recipient, text=text, blocks=blocks, in_thread_of_first=index > 0
            )
            for index, (text, blocks) in enumerate(parts)
        ]
        # The chart shows in the report's first message (uploaded once: bot/charts/upload.py).
        chart = draw.flash_report_chart(
            t,
            chart_data.flash_chart_series(
                session=ctx.session, team_id=delivery.team_id, now=ctx.now
            ),
            week_of=week_of,
        )
        return with_chart(messages, chart)
