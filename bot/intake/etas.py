"""ETAs as requesters are told them: who hears what when the queue changes, and the daily re-time.

A rules module of the domain (service.py names them all); no Slack here. Rules:

- A requester is told their ETA when the request is accepted (or reopened), or the first time
  the team's run capacity makes a date possible.
- Afterwards, a DM only when a change of the queue moves the ETA by at least
  ETA_MATERIAL_WORKING_DAYS working days *compared with the same queue just before the change*,
  and further in that direction than the date the requester was told. ETAs are counted from
  today, so every day a request waits its computed date slides; time passing is never news of a
  change (the daily re-time below deals with it).
- A later ETA says what comes first and why only when requests of *higher priority* newly came
  ahead of it: it names their impact classes and how many belong to a roll-out, never whose
  requests they are or what they say. Any other later move (work already started going first, a
  capacity cut, a holiday) is a neutral "your ETA moved".
- Once a day, at the team's working hour, an ETA that has passed (told for a day before today)
  is re-timed and the requester told: a passed date never sits on the card or in Home.

Lock order: every transaction that changes the queue locks the workspace's settings row first
(service.lock_queue), so two changes at once never tell the same move twice nor deadlock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.intake import configuration, due, queue
from bot.intake.models import IntakeRequest, Status
from bot.intake.priority import Calendar, eta_dates

ETA_MATERIAL_WORKING_DAYS = 1


class Reason(StrEnum):
    first = "first"  # accepted, reopened, or capacity set at last
    earlier = "earlier"
    more_important = "more_important"  # higher-priority requests newly came ahead
    moved = "moved"  # later for another reason
    passed = "passed"  # the daily re-time: the date told has passed


@dataclass(frozen=True)
class EtaNews:
    """What one requester is told about their ETA."""

    request: IntakeRequest
    previous: date | None  # None: the first ETA
    eta: date
    reason: Reason
    ahead: dict[str, int] = field(default_factory=dict)  # impact class → more important, new
    rollouts_ahead: int = 0  # how many of those belong to a roll-out in progress


class Slot(NamedTuple):
    """A request holding run capacity, as the queue stands (a tuple: there are thousands)."""

    request_id: int
    estimate: float | None
    in_progress: bool
    rank: tuple[float, int, int]  # (−score key, day index, reference): smaller comes first
    impact: str
    rollout: bool
    eta_told: date | None


@dataclass(frozen=True)
class QueueState:
    """The work holding capacity in delivery order, and the ETA of each, on one day."""

    today: date
    calendar: Calendar
    slots: list[Slot]
    etas: dict[int, date]


def is_material(previous: date, eta: date, calendar: Calendar) -> bool:
    """A move of at least ETA_MATERIAL_WORKING_DAYS working days, either way."""
    earlier, later = sorted((previous, eta))
    return calendar.working_days_between(earlier, later) >= ETA_MATERIAL_WORKING_DAYS


def queue_state(*, session: Session, team_id: str, now: datetime) -> QueueState:
    """The delivery order and ETAs as the database has them now (priority.etas' arithmetic)."""
    settings = configuration.settings_of(session=session, team_id=team_id)
    today = due.team_today(settings, now)
    order = queue.ordering(session=session, team_id=team_id)
    rows = queue.scheduled_in_order(
        session=session,
        team_id=team_id,
        order=order,
        columns=(
            IntakeRequest.status,
            order.key.label("key"),
            order.day_index.label("day_index"),
            IntakeRequest.number,
            IntakeRequest.impact,
            IntakeRequest.rollout_id,
            IntakeRequest.eta_told,
        ),
    )
    boosted = order.boosted
    slots = [
        Slot(
            request_id,
            estimate,
            status == Status.in_progress,
            (-float(key), int(day_index), number),
            impact,
            rollout_id in boosted,
            eta_told,
        )
        for request_id, estimate, status, key, day_index, number, impact, rollout_id, eta_told in (
            rows
        )
    ]
    etas = eta_dates(
        ((slot.request_id, slot.estimate) for slot in slots),
        today=today,
        weekly_capacity_hours=settings.run_capacity_hours,
        calendar=order.calendar,
    )
    return QueueState(today, order.calendar, slots, etas)


class QueueChange:
    """A transaction about to change the queue: the lock taken first, the queue before kept."""

    def __init__(self, *, session: Session, team_id: str, now: datetime) -> None:
        configuration.lock_settings(session=session, team_id=team_id)
        self.before = queue_state(session=session, team_id=team_id, now=now)
        self.news: list[EtaNews] = []


@contextmanager
def change(*, session: Session, team_id: str, now: datetime) -> Iterator[QueueChange]:
    """Wrap a move (or a settings change) that may move ETAs; `.news` is set on the way out.

    with etas.change(session=session, team_id=team_id, now=now) as changed:
        service.start_work(session=session, ...)
    tell(changed.news)
    """
    pending = QueueChange(session=session, team_id=team_id, now=now)
    yield pending
    pending.news = news_of_change(session=session, team_id=team_id, now=now, before=pending.before)


def news_of_change(
    *, session: Session, team_id: str, now: datetime, before: QueueState
) -> list[EtaNews]:
    """The ETA news of one change (see the module docstring), with `eta_told` updated."""
    after = queue_state(session=session, team_id=team_id, now=now)
    if (
        after.slots == before.slots
        and after.etas == before.etas
        and all(slot.eta_told is not None for slot in after.slots if slot.request_id in after.etas)
    ):
        return []  # nothing moved, and everyone with a date was told it
    calendar = after.calendar
    was_at = {slot.request_id: index for index, slot in enumerate(before.slots)}
    was = {slot.request_id: slot for slot in before.slots}
    # Only requests that entered the work, started, or changed priority can newly come ahead.
    changed = [
        (index, slot)
        for index, slot in enumerate(after.slots)
        if (old := was.get(slot.request_id)) is None
        or (old.in_progress, old.rank) != (slot.in_progress, slot.rank)
    ]
    pending: dict[int, tuple[date | None, date, Reason, dict[str, int], int]] = {}
    for index, slot in enumerate(after.slots):
        eta = after.etas.get(slot.request_id)
        told = slot.eta_told
        if eta is None:
            continue
        if told is None:
            pending[slot.request_id] = (None, eta, Reason.first, {}, 0)
            continue
        previous_eta = before.etas.get(slot.request_id)
        if previous_eta is not None and not is_material(previous_eta, eta, calendar):
            continue  # this change did not move it
        if not is_material(told, eta, calendar):
            continue
        # Told only in the direction the change moved it: a change that brings a request
        # forward, but not yet back to the date told, is no news (and the other way round).
        if eta < told and (previous_eta is None or eta < previous_eta):
            pending[slot.request_id] = (told, eta, Reason.earlier, {}, 0)
        elif eta > told and (previous_eta is None or eta > previous_eta):
            came_ahead = [
                other
                for other_index, other in changed
                if other_index < index
                and other.rank < slot.rank
                and not _was_ahead(was_at, other.request_id, slot.request_id)
            ]
            if came_ahead:
                classes = dict(Counter(other.impact for other in came_ahead))
                rollouts = sum(1 for other in came_ahead if other.rollout)
                pending[slot.request_id] = (told, eta, Reason.more_important, classes, rollouts)
            else:
                pending[slot.request_id] = (told, eta, Reason.moved, {}, 0)
    return _told(session, pending)


def _was_ahead(was_at: dict[int, int], other_id: int, request_id: int) -> bool:
    return other_id in was_at and request_id in was_at and was_at[other_id] < was_at[request_id]


def _told(
    session: Session, pending: dict[int, tuple[date | None, date, Reason, dict[str, int], int]]
) -> list[EtaNews]:
    if not pending:
        return []
    # One statement for every ETA told (a capacity cut can move thousands), then the rows the
    # DMs need, with the value the database now holds.
    session.execute(
        update(IntakeRequest),  # ORM bulk UPDATE by primary key: one executemany
        [{"id": request_id, "eta_told": told[1]} for request_id, told in pending.items()],
    )
    news = []
    for request in session.scalars(select(IntakeRequest).where(IntakeRequest.id.in_(pending))):
        previous, eta, reason, classes, rollouts = pending[request.id]
        set_committed_value(request, "eta_told", eta)
        news.append(EtaNews(request, previous, eta, reason, classes, rollouts))
    news.sort(key=lambda item: item.request.number)
    return news


def retime_passed(*, session: Session, team_id: str, now: datetime) -> list[EtaNews]:
    """The daily re-time: every ETA told for a day before today gets today's date, and its
    requester is told. With no run capacity left there is no date to give: the passed one is
    cleared (the requester hears a new one when capacity returns)."""
    configuration.lock_settings(session=session, team_id=team_id)
    state = queue_state(session=session, team_id=team_id, now=now)
    pending: dict[int, tuple[date | None, date, Reason, dict[str, int], int]] = {}
    cleared = []
    for slot in state.slots:
        if slot.eta_told is None or slot.eta_told >= state.today:
            continue
        eta = state.etas.get(slot.request_id)
        if eta is None:
            cleared.append(slot.request_id)
        else:
            pending[slot.request_id] = (slot.eta_told, eta, Reason.passed, {}, 0)
    if cleared:
        session.execute(
            update(IntakeRequest)
            .where(IntakeRequest.team_id == team_id, IntakeRequest.id.in_(cleared))
            .values(eta_told=None)
        )
    return _told(session, pending)
