"""The queue as the team sees it, ETAs as requesters are told them, and the jobs' due work.

Rules here:
- the queue is every open request (new, waiting on requester, accepted, in progress) in the
  order of priority.rank. It is ordered in SQL, so that a page of the Home tab reads one page
  of rows even with 10,000 open requests (bench/intake.py): with `base_score` and
  `filed_weekday_index` stored at filing, a request's score today is
      base + boost + AGE_POINTS × (today's index − filed index + holidays since filing),
  and ordering by `base + boost − AGE_POINTS × (filed index − holidays up to filing)` is
  ordering by score; ties go to the older (smaller holiday-adjusted index), then the lower
  reference. tests/intake/test_queue_order.py holds this order equal to priority.rank;
- what requesters are told about their ETAs is etas.py's rule;
- when the scheduled messages are due (nudges, escalations, reminders) is due.py's rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from bot.intake import configuration
from bot.intake.models import IntakeRequest, QueuePage, Rollout, Status
from bot.intake.priority import (
    AGE_POINTS_PER_WORKING_DAY,
    ROLLOUT_BOOST,
    Calendar,
    days_of_work,
    eta_dates,
    priority_score,
    weekday_index,
)
from bot.intake.service import OPEN_STATUSES

PAGE_SIZE = 8
MY_REQUESTS_SHOWN = 10
CLOSED_SHOWN = 3
SCHEDULED = (Status.in_progress, Status.accepted)


@dataclass(frozen=True)
class Ordering:
    """The queue's order as SQL expressions, for one workspace today."""

    boosted: frozenset[int]
    calendar: Calendar
    key: ColumnElement[Any]  # higher first
    day_index: ColumnElement[Any]  # lower (older) first on equal keys

    def order_by(self) -> tuple[Any, ...]:
        return (self.key.desc(), self.day_index.asc(), IntakeRequest.number.asc())


def ordering(*, session: Session, team_id: str) -> Ordering:
    """The SQL order of priority.rank (see the module docstring)."""
    calendar = configuration.calendar_of(session=session, team_id=team_id)
    boosted = frozenset(
        session.scalars(
            select(Rollout.id).where(Rollout.team_id == team_id, Rollout.active.is_(True))
        )
    )
    boost: ColumnElement[Any] = (
        case((IntakeRequest.rollout_id.in_(sorted(boosted)), ROLLOUT_BOOST), else_=0)
        if boosted
        else literal(0)
    )
    holidays_up_to_filing: ColumnElement[Any] = literal(0)
    for holiday in calendar.holidays:
        holidays_up_to_filing = holidays_up_to_filing + case(
            (IntakeRequest.filed_weekday_index >= weekday_index(holiday), 1), else_=0
        )
    day_index = IntakeRequest.filed_weekday_index - holidays_up_to_filing
    key = IntakeRequest.base_score + boost - AGE_POINTS_PER_WORKING_DAY * day_index
    return Ordering(boosted, calendar, key, day_index)


def score_of(request: IntakeRequest, *, today: date, order: Ordering) -> tuple[float, int]:
    """(priority score, age in working days) of one request, from the pure rule."""
    age = order.calendar.working_days_between(request.created_at.date(), today)
    score = priority_score(
        impact=request.impact,
        beneficiary=request.beneficiary,
        age_working_days=age,
        rollout=request.rollout_id in order.boosted,
        watchers=request.watcher_count,
    )
    return score, age


def scheduled_in_order(
    *, session: Session, team_id: str, order: Ordering, columns: tuple[Any, ...] = ()
) -> list[Any]:
    """(id, estimate, *columns) of the work holding capacity, in delivery order: in progress
    first, then accepted, each in priority order."""
    in_progress_first = case((IntakeRequest.status == Status.in_progress, 0), else_=1)
    return list(
        session.execute(
            select(IntakeRequest.id, IntakeRequest.estimate_hours, *columns)
            .where(IntakeRequest.team_id == team_id, IntakeRequest.status.in_(SCHEDULED))
            .order_by(in_progress_first, *order.order_by())
        ).all()
    )


def page_etas(
    *, session: Session, team_id: str, today: date, order: Ordering, request_ids: list[int]
) -> dict[int, date]:
    """The ETAs of a few requests: the database sums the estimates ahead (a window function),
    only their rows come back. Same arithmetic as priority.eta_dates."""
    settings = configuration.settings_of(session=session, team_id=team_id)
    if settings.run_capacity_hours <= 0 or not request_ids:
        return {}
    in_progress_first = case((IntakeRequest.status == Status.in_progress, 0), else_=1)
    cumulative = (
        func.sum(func.coalesce(IntakeRequest.estimate_hours, 0.0))
        .over(order_by=(in_progress_first, *order.order_by()), rows=(None, 0))
        .label("cumulative")
    )
    scheduled = (
        select(IntakeRequest.id, cumulative)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.status.in_(SCHEDULED))
        .subquery()
    )
    rows = session.execute(
        select(scheduled.c.id, scheduled.c.cumulative).where(scheduled.c.id.in_(request_ids))
    ).all()
    return {
        request_id: order.calendar.working_day_after(
            today,
            days_of_work(float(hours), weekly_capacity_hours=settings.run_capacity_hours),
        )
        for request_id, hours in rows
    }


def etas_of(*, session: Session, team_id: str, today: date, order: Ordering) -> dict[int, date]:
    """The ETA of every request in progress or accepted."""
    settings = configuration.settings_of(session=session, team_id=team_id)
    rows = scheduled_in_order(session=session, team_id=team_id, order=order)
    return eta_dates(
        ((row[0], row[1]) for row in rows),
        today=today,
        weekly_capacity_hours=settings.run_capacity_hours,
        calendar=order.calendar,
    )


# ---------------------------------------------------------------- App Home pages


@dataclass(frozen=True)
class QueueRow:
    request: IntakeRequest
    score: float
    age_working_days: int
    eta: date | None


@dataclass(frozen=True)
class QueuePageData:
    rows: list[QueueRow]
    page: int
    pages: int
    total: int
    by_status: dict[str, int] = field(default_factory=dict)


def ranked_requests(
    *, session: Session, team_id: str, order: Ordering, offset: int = 0, limit: int | None = None
) -> list[IntakeRequest]:
    """Open requests in priority order (a slice of it when limit is given)."""
    # Sort narrow rows (ids), then load the few requests shown: 10,000 wide rows never move.
    query = (
        select(IntakeRequest.id)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.status.in_(OPEN_STATUSES))
        .order_by(*order.order_by())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    ids = list(session.scalars(query))
    loaded = {
        request.id: request
        for request in session.scalars(select(IntakeRequest).where(IntakeRequest.id.in_(ids)))
    }
    return [loaded[request_id] for request_id in ids]


def queue_page(*, session: Session, team_id: str, today: date, page: int) -> QueuePageData:
    """One page of the queue (PAGE_SIZE requests) with their scores and ETAs."""
    by_status = dict(
        session.execute(
            select(IntakeRequest.status, func.count())
            .where(IntakeRequest.team_id == team_id, IntakeRequest.status.in_(OPEN_STATUSES))
            .group_by(IntakeRequest.status)
        ).all()
    )
    total = sum(by_status.values())
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    order = ordering(session=session, team_id=team_id)
    shown = ranked_requests(
        session=session, team_id=team_id, order=order, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    promised = page_etas(
        session=session,
        team_id=team_id,
        today=today,
        order=order,
        request_ids=[request.id for request in shown if request.status in SCHEDULED],
    )
    rows = []
    for request in shown:
        score, age = score_of(request, today=today, order=order)
        rows.append(QueueRow(request, score, age, promised.get(request.id)))
    return QueuePageData(rows, page, pages, total, by_status)


def page_of(*, session: Session, team_id: str, user_id: str) -> int:
    state = session.get(QueuePage, (team_id, user_id))
    return state.page if state else 0


def set_page(*, session: Session, team_id: str, user_id: str, page: int) -> None:
    state = session.get(QueuePage, (team_id, user_id))
    if state is None:
        session.add(QueuePage(team_id=team_id, user_id=user_id, page=max(page, 0)))
    else:
        state.page = max(page, 0)


@dataclass(frozen=True)
class MyRequests:
    """A requester's requests as their Home tab lists them."""

    shown: list[IntakeRequest]
    open_not_shown: int  # open requests beyond the list: said, never silently dropped


def requests_of(
    *, session: Session, team_id: str, requester_id: str, limit: int = MY_REQUESTS_SHOWN
) -> MyRequests:
    """A requester's open requests, oldest first (at most `limit`, the rest counted), then
    their latest closed ones."""
    query = select(IntakeRequest).where(
        IntakeRequest.team_id == team_id, IntakeRequest.requester_id == requester_id
    )
    open_ones = list(
        session.scalars(
            query.where(IntakeRequest.status.in_(OPEN_STATUSES))
            .order_by(IntakeRequest.created_at, IntakeRequest.id)
            .limit(limit)
        )
    )
    open_total = len(open_ones)
    if open_total == limit:
        open_total = (
            session.scalar(
                select(func.count()).where(
                    IntakeRequest.team_id == team_id,
                    IntakeRequest.requester_id == requester_id,
                    IntakeRequest.status.in_(OPEN_STATUSES),
                )
            )
            or open_total
        )
    closed: list[IntakeRequest] = []
    if open_total < limit:
        closed = list(
            session.scalars(
                query.where(IntakeRequest.status.not_in(OPEN_STATUSES))
                .order_by(IntakeRequest.closed_at.desc(), IntakeRequest.id.desc())
                .limit(CLOSED_SHOWN)
            )
        )
    return MyRequests(open_ones + closed, open_total - len(open_ones))
