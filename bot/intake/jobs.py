"""Intake's scheduled work, all through the delivery ledger (never a direct post).

- intake-sla-nudge          once per working day, the intake channel: requests without a first
                            response after their SLA day, oldest first;
- intake-escalation         the team lead (else the intake channel): a request untouched for a
                            week, once per quiet spell;
- intake-ask-why-reminder   the requester: still waiting on their answer after N working days;
- intake-ask-why-auto-close the requester: closed after M working days without an answer (the
                            close happens in the plan, in the same transaction as its ledger row);
- intake-eta-retime         once per working day, each requester whose ETA has passed: the
                            new date (re-timed in the plan, in the same transaction as its
                            ledger row), so that no passed ETA sits on a card or in Home;
- intake-run-report         weekly, the intake channel: the run report (a schedule per workspace,
                            saved with the settings).
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.db import session_scope
from bot.intake import (
    configuration,
    etas,
    notify,
    queue,
    report,
    service,
    views_card,
    views_home,
    views_jobs,
)
from bot.intake.models import Status
from bot.scheduling.kinds import JobContext, JobKind, ScheduledKind
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.services import Services
from bot.slack.sender import OutgoingMessage, PostedMessage

AUTO_CLOSE_NOTE = "No answer from the requester for {days} working days: closed automatically."


def _message(channel: str, built: tuple[str, list[dict]]) -> OutgoingMessage:
    text, blocks = built
    return OutgoingMessage(channel=channel, text=text, blocks=blocks)


class SlaNudge(JobKind):
    name = "intake-sla-nudge"
    tick_seconds = 900

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        today = queue.today_of(ctx.now)
        items = []
        for settings in queue.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            if not calendar.is_working_day(today):
                continue
            overdue = queue.overdue_first_responses(
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
        today = queue.today_of(delivery.due_at)
        settings = configuration.settings_of(session=ctx.session, team_id=delivery.team_id)
        calendar = configuration.calendar_of(session=ctx.session, team_id=delivery.team_id)
        overdue = queue.overdue_first_responses(
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
        today = queue.today_of(ctx.now)
        items = []
        for settings in queue.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            for request in queue.untouched(
                session=ctx.session, team_id=settings.team_id, today=today, calendar=calendar
            ):
                items.append(
                    DueItem(
                        team_id=settings.team_id,
                        recipient=settings.team_lead_id or str(settings.intake_channel_id),
                        period=f"{request.id}@{request.touched_at.isoformat(timespec='seconds')}",
                        subject=str(request.id),
                        due_at=ctx.now,
                    )
                )
        return items

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        request = service.find_request(
            session=ctx.session, team_id=delivery.team_id, request_id=int(delivery.subject)
        )
        if request is None or request.status not in (
            Status.new,
            Status.accepted,
            Status.in_progress,
        ):
            return []
        calendar = configuration.calendar_of(session=ctx.session, team_id=delivery.team_id)
        idle = calendar.working_days_between(
            request.touched_at.date(), queue.today_of(delivery.due_at)
        )
        if idle < queue.ESCALATE_AFTER_WORKING_DAYS:
            return []  # it moved since the plan
        user = delivery.recipient if delivery.recipient[:1] in {"U", "W"} else None
        t = ctx.translator(team_id=delivery.team_id, user_id=user)
        return [_message(delivery.recipient, views_jobs.escalation(t, request, idle_days=idle))]


class AskWhyReminder(JobKind):
    name = "intake-ask-why-reminder"
    tick_seconds = 900

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        today = queue.today_of(ctx.now)
        items = []
        for settings in queue.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            for request in queue.waiting_for(
                session=ctx.session,
                team_id=settings.team_id,
                today=today,
                calendar=calendar,
                working_days=settings.ask_why_reminder_days,
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
        closes_on = calendar.working_day_after(
            request.waiting_since.date(), settings.ask_why_close_days
        )
        asked = service.last_question(
            session=ctx.session, team_id=delivery.team_id, request_id=request.id
        )
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        built = views_jobs.ask_why_reminder(
            t, request, question=asked.note if asked else None, closes_on=closes_on
        )
        return [_message(delivery.recipient, built)]


class AskWhyAutoClose(JobKind):
    name = "intake-ask-why-auto-close"
    tick_seconds = 900

    def __init__(self, services: Services) -> None:
        self.services = services

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        today = queue.today_of(ctx.now)
        items = []
        for settings in queue.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            days = settings.ask_why_close_days
            for request in queue.waiting_for(
                session=ctx.session,
                team_id=settings.team_id,
                today=today,
                calendar=calendar,
                working_days=days,
            ):
                closed = service.auto_close(
                    session=ctx.session,
                    team_id=settings.team_id,
                    request_id=request.id,
                    note=AUTO_CLOSE_NOTE.format(days=days),
                    now=ctx.now,
                )
                if closed is None:
                    continue
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

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        # The card changes outside this ledger transaction, in the background: no Slack call
        # while a database transaction is open.
        self.services.background.submit(
            _show_auto_close, self.services, delivery.team_id, int(delivery.subject)
        )


def _show_auto_close(services: Services, team_id: str, request_id: int) -> None:
    client = services.clients.for_team(team_id)
    with session_scope(services.session_factory) as session:
        request = service.find_request(session=session, team_id=team_id, request_id=request_id)
        days = configuration.settings_of(session=session, team_id=team_id).ask_why_close_days
    if request is None:
        return
    notify.in_thread(
        services,
        client,
        team_id=team_id,
        request=request,
        build=lambda t: views_jobs.auto_closed_note(t, days=days),
    )
    notify.refresh_card(services, client, team_id=team_id, request_id=request_id)


class EtaRetime(JobKind):
    name = "intake-eta-retime"
    tick_seconds = 900

    def __init__(self, services: Services) -> None:
        self.services = services

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        items = []
        for settings in queue.intake_teams(session=ctx.session, team_id=team_id):
            calendar = configuration.calendar_of(session=ctx.session, team_id=settings.team_id)
            if queue.at_working_hour(settings, ctx.now, calendar) is None:
                continue
            for news in etas.retime_passed(
                session=ctx.session, team_id=settings.team_id, now=ctx.now
            ):
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
        built = views_card.eta_news(
            t,
            request,
            reason=etas.Reason.passed,
            previous=date.fromisoformat(previous),
            eta=request.eta_told,
            ahead={},
            rollouts_ahead=0,
        )
        return [_message(delivery.recipient, built)]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        request_id = int(delivery.subject.partition(":")[0])
        self.services.background.submit(
            _show_new_eta, self.services, delivery.team_id, request_id, delivery.recipient
        )


def _show_new_eta(services: Services, team_id: str, request_id: int, requester_id: str) -> None:
    client = services.clients.for_team(team_id)
    notify.refresh_card(services, client, team_id=team_id, request_id=request_id)
    notify.publish_homes(services, client, team_id=team_id, user_ids=[requester_id])


class RunReport(ScheduledKind):
    name = report.RUN_REPORT_KIND
    grace = timedelta(hours=24)

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
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
        return [
            OutgoingMessage(
                channel=delivery.recipient, text=t.gettext("Weekly run report"), blocks=blocks
            )
        ]


def kinds(services: Services) -> list[JobKind]:
    return [
        SlaNudge(),
        Escalation(),
        AskWhyReminder(),
        AskWhyAutoClose(services),
        EtaRetime(services),
        RunReport(),
    ]
