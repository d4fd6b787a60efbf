"""Intake's scheduled work, all through the delivery ledger (never a direct post). When each is
due, and at which local hour, is due.py's rule.

- intake-sla-nudge          once per working day at the team's hour, the intake channel:
                            requests without a first response after their SLA day, oldest first;
- intake-escalation         once per working day at the team lead's hour, one message to the
                            lead (else the intake channel) listing the untouched requests not
                            escalated since their last move;
- intake-ask-why-reminder   the requester, at their hour: still waiting on their answer after
                            N working days;
- intake-ask-why-auto-close the requester, at their hour: closed after M working days without an
                            answer (the close happens in the plan, in the same transaction as
                            its ledger row);
- intake-eta-retime         once per working day, each requester whose ETA has passed: the
                            new date (re-timed in the plan, in the same transaction as its
                            ledger row), so that no passed ETA sits on a card or in Home;
- intake-run-report         weekly, the intake channel: the run report (a schedule per workspace,
                            saved with the settings).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from bot.charts import draw
from bot.charts.upload import with_chart
from bot.intake import (
    configuration,
    due,
    effects,
    etas,
    queue,
    report,
    service,
    service_requester,
    views_home,
    views_jobs,
    views_requester,
)
from bot.intake.models import IntakeRequest, IntakeSettings, Status
from bot.scheduling.kinds import JobContext, JobKind, ScheduledKind
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.services import Services
from bot.slack.sender import Outgoing, OutgoingMessage, PostedMessage


def _message(channel: str, built: tuple[str, list[dict]]) -> OutgoingMessage:
    text, blocks = built
    return OutgoingMessage(channel=channel, text=text, blocks=blocks)


class SlaNudge(JobKind):
    name = "intake-sla-nudge"
    tick_seconds = 900

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        items = []
        for settings in due.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            today = due.at_working_hour(ctx.now, tz=due.team_tz(settings), calendar=calendar)
            if today is None:
                continue
            overdue = due.overdue_first_responses(
                session=ctx.session, settings=settings, today=today, calendar=calendar
            )
            if overdue:
                items.append(
                    DueItem(
                        team_id=settings.team_id,
                        recipient=str(settings.intake_channel_id),
                        period=today.isoformat(),
                        subject="sla",
                        due_at=ctx.now,
                    )
                )
        return items

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        settings = configuration.settings_of(session=ctx.session, team_id=delivery.team_id)
        today = due.local_date(delivery.due_at, due.team_tz(settings))
        calendar = configuration.calendar_of(session=ctx.session, team_id=delivery.team_id)
        overdue = due.overdue_first_responses(
            session=ctx.session, settings=settings, today=today, calendar=calendar
        )
        if not overdue:
            return []
        ages = {
            request.id: calendar.working_days_between(request.created_at.date(), today)
            for request in overdue
        }
        t = ctx.translator(team_id=delivery.team_id)
        return [
            _message(
                delivery.recipient,
                views_jobs.sla_nudge(
                    t, overdue, group_id=settings.revops_usergroup_id, today=today, age_of=ages
                ),
            )
        ]


class Escalation(JobKind):
    name = "intake-escalation"
    tick_seconds = 900

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        items = []
        for settings in due.intake_teams(session=ctx.session, team_id=team_id):
            recipient = due.escalation_recipient(settings)
            tz = due.recipient_tz(session=ctx.session, settings=settings, recipient=recipient)
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            today = due.at_working_hour(ctx.now, tz=tz, calendar=calendar)
            if today is None:
                continue
            if due.untouched(
                session=ctx.session, settings=settings, today=today, calendar=calendar
            ):
                # One message a day at most: requests that become untouched after it was sent
                # are in the next day's (they stay un-escalated until a message names them).
                items.append(
                    DueItem(
                        team_id=settings.team_id,
                        recipient=recipient,
                        period=today.isoformat(),
                        subject="untouched",
                        due_at=ctx.now,
                    )
                )
        return items

    def _untouched(
        self, ctx: JobContext, delivery: Delivery
    ) -> tuple[list[IntakeRequest], dict[int, int]]:
        settings = configuration.settings_of(session=ctx.session, team_id=delivery.team_id)
        tz = due.recipient_tz(session=ctx.session, settings=settings, recipient=delivery.recipient)
        today = due.local_date(delivery.due_at, tz)
        calendar = configuration.calendar_of(session=ctx.session, team_id=delivery.team_id)
        requests = due.untouched(
            session=ctx.session, settings=settings, today=today, calendar=calendar
        )
        return requests, {
            request.id: due.idle_days(request, today=today, calendar=calendar)
            for request in requests
        }

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        requests, idle = self._untouched(ctx, delivery)
        if not requests:
            return []  # they all moved since the plan
        user = delivery.recipient if delivery.recipient[:1] in {"U", "W"} else None
        t = ctx.translator(team_id=delivery.team_id, user_id=user)
        return [_message(delivery.recipient, views_jobs.escalation(t, requests, idle_of=idle))]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        requests, _ = self._untouched(ctx, delivery)
        service.record_escalated(
            session=ctx.session,
            team_id=delivery.team_id,
            request_ids=[request.id for request in requests],
            now=delivery.due_at,
        )


class AskWhyReminder(JobKind):
    name = "intake-ask-why-reminder"
    tick_seconds = 900

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        items = []
        for settings in due.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            for request in due.waiting_for(
                session=ctx.session,
                team_id=settings.team_id,
                now=ctx.now,
                calendar=calendar,
                working_days=settings.ask_why_reminder_days,
                tz_of=partial(_tz_of, ctx, settings),
            ):
                assert request.waiting_since is not None
                items.append(
                    DueItem(
                        team_id=settings.team_id,
                        recipient=request.requester_id,
                        period=f"{request.id}@{request.waiting_since.isoformat(timespec='seconds')}",
                        subject=str(request.id),
                        due_at=ctx.now,
                    )
                )
        return items

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        request = service.find_request(
            session=ctx.session, team_id=delivery.team_id, request_id=int(delivery.subject)
        )
        if request is None or request.status != Status.waiting or request.waiting_since is None:
            return []
        settings = configuration.settings_of(session=ctx.session, team_id=delivery.team_id)
        calendar = configuration.calendar_of(session=ctx.session, team_id=delivery.team_id)
        tz = due.recipient_tz(session=ctx.session, settings=settings, recipient=delivery.recipient)
        closes_on = calendar.working_day_after(
            due.local_date(request.waiting_since, tz), settings.ask_why_close_days
        )
        asked = service.last_question(
            session=ctx.session, team_id=delivery.team_id, request_id=request.id
        )
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        built = views_jobs.ask_why_reminder(
            t, request, question=asked.note if asked else None, closes_on=closes_on
        )
        return [_message(delivery.recipient, built)]


def _tz_of(ctx: JobContext, settings: IntakeSettings, user_id: str) -> str:
    return due.recipient_tz(session=ctx.session, settings=settings, recipient=user_id)


class AskWhyAutoClose(JobKind):
    name = "intake-ask-why-auto-close"
    tick_seconds = 900

    def __init__(self, services: Services) -> None:
        self.services = services

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        items = []
        for settings in due.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            days = settings.ask_why_close_days
            # The stored note is read later by anyone (history, export): the workspace's language.
            t = ctx.translator(team_id=settings.team_id)
            for request in due.waiting_for(
                session=ctx.session,
                team_id=settings.team_id,
                now=ctx.now,
                calendar=calendar,
                working_days=days,
                tz_of=partial(_tz_of, ctx, settings),
            ):
                closed = service_requester.auto_close(
                    session=ctx.session,
                    team_id=settings.team_id,
                    request_id=request.id,
                    note=t.message(service_requester.AUTO_CLOSE_NOTE, days=days),
                    now=ctx.now,
                )
                if closed is None:
                    continue
                # The thread, the card and the Home tabs follow in this same transaction.
                effects.owe_move(
                    session=ctx.session,
                    request=closed.request,
                    event_id=closed.event.id,
                    actor_id=None,
                    channel_id=settings.intake_channel_id,
                    now=ctx.now,
                    note=effects.Note(service_requester.AUTO_CLOSE_NOTE, None, days=days),
                )
                items.append(
                    DueItem(
                        team_id=settings.team_id,
                        recipient=request.requester_id,
                        period=f"{request.id}@closed",
                        subject=str(request.id),
                        due_at=ctx.now,
                    )
                )
        return items

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        request = service.find_request(
            session=ctx.session, team_id=delivery.team_id, request_id=int(delivery.subject)
        )
        if request is None:
            return []
        settings = configuration.settings_of(session=ctx.session, team_id=delivery.team_id)
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        built = views_jobs.auto_closed(t, request, days=settings.ask_why_close_days)
        return [_message(delivery.recipient, built)]


class EtaRetime(JobKind):
    name = "intake-eta-retime"
    tick_seconds = 900

    def __init__(self, services: Services) -> None:
        self.services = services

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        items = []
        for settings in due.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            if due.at_working_hour(ctx.now, tz=due.team_tz(settings), calendar=calendar) is None:
                continue
            retimed = etas.retime_passed(session=ctx.session, team_id=settings.team_id, now=ctx.now)
            # The cards and Home tabs show the new dates; the DMs are this kind's own sends.
            effects.owe_eta_news(
                session=ctx.session,
                team_id=settings.team_id,
                news=retimed,
                channel_id=settings.intake_channel_id,
                now=ctx.now,
                told_otherwise=[news.request.id for news in retimed],
            )
            for news in retimed:
                assert news.previous is not None
                request = news.request
                items.append(
                    DueItem(
                        team_id=settings.team_id,
                        recipient=request.requester_id,
                        period=f"{request.id}:{news.eta.isoformat()}",
                        subject=f"{request.id}:{news.previous.isoformat()}",
                        due_at=ctx.now,
                    )
                )
        return items

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        request_id, _, previous = delivery.subject.partition(":")
        request = service.find_request(
            session=ctx.session, team_id=delivery.team_id, request_id=int(request_id)
        )
        if request is None or request.eta_told is None or request.status not in queue.SCHEDULED:
            return []
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        built = views_requester.eta_news(
            t,
            request,
            reason=etas.Reason.passed,
            previous=date.fromisoformat(previous),
            eta=request.eta_told,
            ahead={},
            rollouts_ahead=0,
        )
        return [_message(delivery.recipient, built)]


class RunReport(ScheduledKind):
    name = report.RUN_REPORT_KIND
    grace = timedelta(hours=24)

    def render(self, ctx: JobContext, delivery: Delivery) -> list[Outgoing]:
        week = report.run_report(
            session=ctx.session,
            team_id=delivery.team_id,
            start=delivery.due_at - timedelta(days=7),
            end=delivery.due_at,
        )
        if week.is_empty:
            return []
        t = ctx.translator(team_id=delivery.team_id)
        blocks = views_home.report_blocks(t, week, title=t.gettext("*Weekly run report*"))
        messages: list[Outgoing] = [
            OutgoingMessage(
                channel=delivery.recipient, text=t.gettext("Weekly run report"), blocks=blocks
            )
        ]
        # The last eight weeks, drawn, in the report's message (uploaded once).
        chart = draw.run_report_chart(
            t, report.run_weeks(session=ctx.session, team_id=delivery.team_id, end=delivery.due_at)
        )
        return with_chart(messages, chart)


def kinds(services: Services) -> list[JobKind]:
    return [
        SlaNudge(),
        Escalation(),
        AskWhyReminder(),
        AskWhyAutoClose(services),
        EtaRetime(services),
        RunReport(),
    ]
