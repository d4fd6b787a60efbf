"""The weekly run report: what came in, what went out, and the run against its capacity."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.charts.series import RunWeek
from bot.intake import configuration
from bot.intake.filing import first_response_due
from bot.intake.models import (
    Deflection,
    IntakeRequest,
    RequestEvent,
    RequestWatcher,
    Status,
    WatchVia,
)
from bot.intake.service import CLOSED_STATUSES
from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.service import holidays_of, save_schedule


@dataclass(frozen=True)
class RunReport:
    start: datetime
    end: datetime
    requests_in: int
    closed: int
    delivered: int
    deflected_by_doc: int  # answered with a doc, plus drafts withdrawn before filing
    avoided_by_following: int  # drafts not filed: their author followed an open request
    median_first_response_hours: float | None
    median_done_days: float | None
    run_hours_spent: float
    capacity_hours: int

    @property
    def is_empty(self) -> bool:
        return not (
            self.requests_in or self.closed or self.deflected_by_doc or self.avoided_by_following
        )


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def run_report(*, session: Session, team_id: str, start: datetime, end: datetime) -> RunReport:
    """The run between `start` (included) and `end` (excluded).

    Requests avoided by following count the people who followed an open request from the
    filing modal instead of filing theirs (merges are not counted: those were filed).
    Closed counts every move to a closing status; delivered the moves to done; run hours are
    the estimates of what was delivered, set against the weekly run capacity (the rest of the
    week belongs to projects). Medians are over the requests answered or delivered in the week.
    """
    settings = configuration.settings_of(session=session, team_id=team_id)
    requests_in = session.scalar(
        select(func.count()).where(
            IntakeRequest.team_id == team_id,
            IntakeRequest.created_at >= start,
            IntakeRequest.created_at < end,
        )
    )
    closing = session.execute(
        select(RequestEvent.to_status, RequestEvent.created_at, IntakeRequest)
        .join(IntakeRequest, IntakeRequest.id == RequestEvent.request_id)
        .where(
            RequestEvent.team_id == team_id,
            RequestEvent.created_at >= start,
            RequestEvent.created_at < end,
            RequestEvent.to_status.in_(CLOSED_STATUSES),
            # "Yes, solved" is recorded from done to done: not a second closing.
            RequestEvent.from_status.is_distinct_from(RequestEvent.to_status),
        )
    ).all()
    deflections = session.scalar(
        select(func.count()).where(
            Deflection.team_id == team_id,
            Deflection.created_at >= start,
            Deflection.created_at < end,
        )
    )
    followed = session.scalar(
        select(func.count()).where(
            RequestWatcher.team_id == team_id,
            RequestWatcher.via == WatchVia.follow,
            RequestWatcher.created_at >= start,
            RequestWatcher.created_at < end,
        )
    )
    first_responses = session.execute(
        select(IntakeRequest.created_at, IntakeRequest.first_response_at).where(
            IntakeRequest.team_id == team_id,
            IntakeRequest.first_response_at >= start,
            IntakeRequest.first_response_at < end,
        )
    ).all()
    done = [(when, request) for status, when, request in closing if status == Status.done]
    return RunReport(
        start=start,
        end=end,
        requests_in=requests_in or 0,
        closed=len(closing),
        delivered=len(done),
        deflected_by_doc=(deflections or 0)
        + sum(1 for status, _, _ in closing if status == Status.answered_doc),
        avoided_by_following=followed or 0,
        median_first_response_hours=_median(
            [
                (answered - filed).total_seconds() / 3600
                for filed, answered in first_responses
                if answered is not None
            ]
        ),
        median_done_days=_median(
            [(when - request.created_at).total_seconds() / 86400 for when, request in done]
        ),
        run_hours_spent=round(sum(request.estimate_hours or 0.0 for _, request in done), 1),
        capacity_hours=settings.run_capacity_hours,
    )


CHART_WEEKS = 8


def run_weeks(
    *, session: Session, team_id: str, end: datetime, weeks: int = CHART_WEEKS
) -> list[RunWeek]:
    """The last `weeks` weeks before `end`, oldest first, for the run report's chart: each
    week's run_report figures, and the share of its first responses given by their due day
    (SLA working days after filing, the team's calendar: weekends, holidays)."""
    settings = configuration.settings_of(session=session, team_id=team_id)
    calendar = configuration.calendar_of(session=session, team_id=team_id)
    found = []
    for index in range(weeks, 0, -1):
        start = end - timedelta(days=7 * index)
        stop = start + timedelta(days=7)
        week = run_report(session=session, team_id=team_id, start=start, end=stop)
        answered = session.execute(
            select(IntakeRequest.created_at, IntakeRequest.first_response_at).where(
                IntakeRequest.team_id == team_id,
                IntakeRequest.first_response_at >= start,
                IntakeRequest.first_response_at < stop,
            )
        ).all()
        on_time = sum(
            1
            for filed, answered_at in answered
            if answered_at is not None
            and answered_at.date()
            <= first_response_due(
                filed_at=filed, sla_days=settings.first_response_sla_days, calendar=calendar
            )
        )
        found.append(
            RunWeek(
                week_start=start.date(),
                hours_spent=week.run_hours_spent,
                capacity_hours=week.capacity_hours,
                received=week.requests_in,
                closed=week.closed,
                answered_with_doc=week.deflected_by_doc,
                within_sla=on_time / len(answered) if answered else None,
            )
        )
    return found


RUN_REPORT_KIND = "intake-run-report"
RUN_REPORT_SUBJECT = "workspace"
RUN_REPORT_WEEKDAY = 0  # Monday
RUN_REPORT_HOUR = 9


def schedule_run_report(
    *, session: Session, team_id: str, channel_id: str, tz: str, now: datetime
) -> None:
    """The run report goes to the intake channel every Monday at 09:00 in the team's zone."""
    save_schedule(
        session=session,
        team_id=team_id,
        kind=RUN_REPORT_KIND,
        subject=RUN_REPORT_SUBJECT,
        recipient=channel_id,
        cadence=Cadence(
            frequency=Frequency.weekly,
            hour=RUN_REPORT_HOUR,
            weekday=RUN_REPORT_WEEKDAY,
            tz=tz,
            holidays=holidays_of(session=session, team_id=team_id),
        ),
        now=now,
    )
