"""When intake's scheduled messages are due, and to whom (a rules module; no Slack here).

- Hours: every scheduled message goes out on a working day from WORK_HOUR, local time: a
  channel post (SLA nudge, escalation without a team lead) in the zone the workspace's admin
  chose for the team (intake settings), a DM (reminder, auto-close, escalation to the team
  lead) in its recipient's own Slack zone. Never at midnight UTC.
- SLA: a new request with no first response after its SLA day is overdue; the intake channel
  is nudged once a day, oldest first.
- Escalation: an open request on the team's side with no move for ESCALATE_AFTER_WORKING_DAYS
  working days (a week) is untouched; the team lead (else the intake channel) gets one message
  a day listing those not escalated since their last move. An accepted request waiting behind
  capacity (the work ahead of it needs a working day of the run or more) is waiting its turn,
  not untouched.
- Ask why: a request waiting on its requester gets a reminder after the workspace's N working
  days, and is closed after M, counted in the requester's own days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.intake import queue
from bot.intake.filing import first_response_due
from bot.intake.models import IntakeRequest, IntakeSettings, Status
from bot.intake.priority import WORKING_DAYS_PER_WEEK, Calendar
from bot.workspaces.models import Member

ESCALATE_AFTER_WORKING_DAYS = 5
DUE_WORK_LIMIT = 1000
# The team's scheduled messages go out from this local hour of its working days.
WORK_HOUR = 9
TEAM_SIDE = (Status.new, Status.accepted, Status.in_progress)


# ---------------------------------------------------------------- hours and zones


def team_tz(settings: IntakeSettings) -> str:
    """The zone an admin chose for the team's channel posts (UTC until they choose)."""
    return settings.tz or "UTC"


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):  # a zone Slack knows and this Python does not
        return ZoneInfo("UTC")


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(_zone(tz)).date()


def team_today(settings: IntakeSettings, now: datetime) -> date:
    """The team's working day, from which ETAs and ages are counted."""
    return local_date(now, team_tz(settings))


def at_working_hour(now: datetime, *, tz: str, calendar: Calendar) -> date | None:
    """The local day in `tz` when `now` is on a working day at or after WORK_HOUR, else None.

    Missed hours (the bot was down) are caught up later the same day.
    """
    local = now.astimezone(_zone(tz))
    if local.hour < WORK_HOUR or not calendar.is_working_day(local.date()):
        return None
    return local.date()


def recipient_tz(*, session: Session, settings: IntakeSettings, recipient: str) -> str:
    """A person's own Slack zone (the member cache); a channel, or someone the bot has not
    met yet, gets the team's zone."""
    if recipient[:1] in {"U", "W"}:
        member = session.get(Member, (settings.team_id, recipient))
        if member is not None and member.tz:
            return member.tz
    return team_tz(settings)


# ---------------------------------------------------------------- due work


def intake_teams(*, session: Session, team_id: str | None = None) -> list[IntakeSettings]:
    """Workspaces whose intake is set up (they have an intake channel)."""
    query = select(IntakeSettings).where(IntakeSettings.intake_channel_id.is_not(None))
    if team_id is not None:
        query = query.where(IntakeSettings.team_id == team_id)
    return list(session.scalars(query.order_by(IntakeSettings.team_id)))


def overdue_first_responses(
    *, session: Session, settings: IntakeSettings, today: date, calendar: Calendar
) -> list[IntakeRequest]:
    """New requests with no first response after their SLA day, oldest first."""
    candidates = session.scalars(
        select(IntakeRequest)
        .where(
            IntakeRequest.team_id == settings.team_id,
            IntakeRequest.status == Status.new,
            IntakeRequest.first_response_at.is_(None),
        )
        .order_by(IntakeRequest.created_at, IntakeRequest.id)
        .limit(DUE_WORK_LIMIT)
    )
    return [
        request
        for request in candidates
        if first_response_due(
            filed_at=request.created_at,
            sla_days=settings.first_response_sla_days,
            calendar=calendar,
        )
        < today
    ]


def escalation_recipient(settings: IntakeSettings) -> str:
    """The team lead hears of untouched requests; with no lead named, the intake channel."""
    return settings.team_lead_id or str(settings.intake_channel_id)


def idle_days(request: IntakeRequest, *, today: date, calendar: Calendar) -> int:
    """Working days since the request last moved."""
    return calendar.working_days_between(request.touched_at.date(), today)


def untouched(
    *, session: Session, settings: IntakeSettings, today: date, calendar: Calendar
) -> list[IntakeRequest]:
    """Requests to escalate (see the module docstring), oldest move first."""
    team_id = settings.team_id
    candidates = [
        request
        for request in session.scalars(
            select(IntakeRequest)
            .where(
                IntakeRequest.team_id == team_id,
                IntakeRequest.status.in_(TEAM_SIDE),
                or_(
                    IntakeRequest.escalated_at.is_(None),
                    IntakeRequest.escalated_at < IntakeRequest.touched_at,
                ),
            )
            .order_by(IntakeRequest.touched_at, IntakeRequest.id)
            .limit(DUE_WORK_LIMIT)
        )
        if idle_days(request, today=today, calendar=calendar) >= ESCALATE_AFTER_WORKING_DAYS
    ]
    if not any(request.status == Status.accepted for request in candidates):
        return candidates
    ahead = hours_ahead(session=session, team_id=team_id)
    daily_run = settings.run_capacity_hours / WORKING_DAYS_PER_WEEK
    return [
        request
        for request in candidates
        if request.status != Status.accepted
        or (daily_run > 0 and ahead.get(request.id, 0.0) < daily_run)
    ]


def hours_ahead(*, session: Session, team_id: str) -> dict[int, float]:
    """{request id: estimated hours of the work delivered before it} for the work holding
    capacity (same delivery order as the ETAs)."""
    order = queue.ordering(session=session, team_id=team_id)
    ahead: dict[int, float] = {}
    cumulative = 0.0
    for request_id, estimate in queue.scheduled_in_order(
        session=session, team_id=team_id, order=order
    ):
        ahead[request_id] = cumulative
        cumulative += estimate or 0.0
    return ahead


def waiting_for(
    *,
    session: Session,
    team_id: str,
    now: datetime,
    calendar: Calendar,
    working_days: int,
    tz_of: Callable[[str], str],
) -> list[IntakeRequest]:
    """Requests waiting on their requester for at least `working_days` working days, counted
    in the requester's zone (`tz_of`), and only during the requester's working hours."""
    candidates = session.scalars(
        select(IntakeRequest)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.status == Status.waiting)
        .order_by(IntakeRequest.waiting_since, IntakeRequest.id)
        .limit(DUE_WORK_LIMIT)
    )
    due = []
    for request in candidates:
        if request.waiting_since is None:
            continue
        tz = tz_of(request.requester_id)
        today = at_working_hour(now, tz=tz, calendar=calendar)
        if today is None:
            continue
        since = local_date(request.waiting_since, tz)
        if calendar.working_days_between(since, today) >= working_days:
            due.append(request)
    return due
