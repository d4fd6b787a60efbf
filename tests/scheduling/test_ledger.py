"""The ledger and schedule rules against a real database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.db import session_factory, session_scope
from bot.scheduling import ledger, service
from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.models import Delivery, DeliveryStatus, Schedule
from bot.workspaces.service import ensure_workspace

KIND = "test-nudge"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add_schedule(session: Session, subject: str, cadence: Cadence, now: datetime) -> Schedule:
    ensure_workspace(session=session, team_id="T1")
    return service.save_schedule(
        session=session,
        team_id="T1",
        kind=KIND,
        subject=subject,
        recipient=subject,
        cadence=cadence,
        now=now,
    )


def deliveries(session: Session) -> list[Delivery]:
    return list(session.scalars(select(Delivery).order_by(Delivery.due_at)))


def test_daily_nudge_missed_for_three_days_is_sent_once(engine: Engine) -> None:
    factory = session_factory(engine)
    daily_ten = Cadence(Frequency.daily, hour=10, tz="UTC")
    with session_scope(factory) as session:
        add_schedule(session, "C1", daily_ten, now=utc(2026, 11, 16, 9))  # Monday
    # The process was down from Monday morning to Thursday 11:00.
    thursday = utc(2026, 11, 19, 11)
    with session_scope(factory) as session:
        items = service.plan_schedules(
            session=session, kind=KIND, now=thursday, grace=timedelta(hours=12)
        )
        ledger.enqueue(session=session, kind=KIND, items=items, now=thursday)
    with session_scope(factory) as session:
        rows = deliveries(session)
        assert [(row.period, row.status) for row in rows] == [
            ("2026-11-16", "skipped"),
            ("2026-11-17", "skipped"),
            ("2026-11-18", "skipped"),
            ("2026-11-19", "pending"),
        ]
        schedule = session.scalar(select(Schedule))
        assert schedule is not None and schedule.next_run_at == utc(2026, 11, 20, 10)


def test_weekly_send_older_than_its_grace_is_recorded_as_skipped(engine: Engine) -> None:
    factory = session_factory(engine)
    monday_nine = Cadence(Frequency.weekly, hour=9, weekday=0, tz="UTC")
    with session_scope(factory) as session:
        add_schedule(session, "U1", monday_nine, now=utc(2026, 11, 20))
    saturday = utc(2026, 11, 28, 12)  # the Monday 23 Nov send is 5 days late
    with session_scope(factory) as session:
        items = service.plan_schedules(
            session=session, kind=KIND, now=saturday, grace=timedelta(days=2)
        )
        ledger.enqueue(session=session, kind=KIND, items=items, now=saturday)
    with session_scope(factory) as session:
        (row,) = deliveries(session)
        assert (row.period, row.status) == ("2026-W48", DeliveryStatus.skipped)
        assert "grace" in (row.error or "")


def test_planning_the_same_period_twice_enters_the_ledger_once(engine: Engine) -> None:
    factory = session_factory(engine)
    monday_nine = Cadence(Frequency.weekly, hour=9, weekday=0, tz="UTC")
    with session_scope(factory) as session:
        for user in ("U1", "U2", "U3"):
            add_schedule(session, user, monday_nine, now=utc(2026, 11, 20))
    now = utc(2026, 11, 23, 9, 5)
    created = []
    for _ in range(2):  # a double fire, or an operator's forced run after the tick
        with session_scope(factory) as session:
            items = service.plan_schedules(
                session=session, kind=KIND, now=now, grace=timedelta(days=1), forced=True
            )
            created.append(ledger.enqueue(session=session, kind=KIND, items=items, now=now))
    assert created == [3, 0]
    with session_scope(factory) as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 3


def test_concurrent_claims_never_hand_the_same_row_to_two_workers(engine: Engine) -> None:
    factory = session_factory(engine)
    now = utc(2026, 11, 23, 9)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
        items = [service.DueItem("T1", f"U{n}", "2026-W48", f"U{n}", now) for n in range(60)]
        ledger.enqueue(session=session, kind=KIND, items=items, now=now)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while True:
            with session_scope(factory) as session:
                row = ledger.claim_next(session=session, kind=KIND, now=now, worker=name)
                if row is None:
                    return
                with lock:
                    claimed.append(row.id)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 60


def test_failed_sends_back_off_then_fail_for_good(engine: Engine) -> None:
    factory = session_factory(engine)
    now = utc(2026, 11, 23, 9)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
        ledger.enqueue(
            session=session, kind=KIND, items=[service.DueItem("T1", "U1", "p", "U1", now)], now=now
        )
    statuses, delays = [], []
    for _ in range(3):
        with session_scope(factory) as session:
            row = ledger.claim_next(session=session, kind=KIND, now=now, worker="w")
            assert row is not None
            statuses.append(
                ledger.mark_attempt_failed(
                    session=session, delivery=row, error="internal_error", now=now, max_attempts=3
                )
            )
        with session_scope(factory) as session:
            row = session.get(Delivery, row.id)
            delays.append(row.next_attempt_at - now)
            now = row.next_attempt_at  # the next tick comes when the backoff is over
    assert statuses == [DeliveryStatus.retry, DeliveryStatus.retry, DeliveryStatus.failed]
    assert delays[:2] == [timedelta(seconds=30), timedelta(seconds=60)]
    with session_scope(factory) as session:
        (failed,) = ledger.failed_deliveries(session=session, team_id="T1")
        assert failed.error == "internal_error" and failed.attempts == 3


def test_a_paused_schedule_resumes_at_the_next_slot_without_backlog(engine: Engine) -> None:
    factory = session_factory(engine)
    monday_nine = Cadence(Frequency.weekly, hour=9, weekday=0, tz="UTC")
    with session_scope(factory) as session:
        add_schedule(session, "P1", monday_nine, now=utc(2026, 11, 1))
        service.pause_schedule(session=session, team_id="T1", kind=KIND, subject="P1")
    with session_scope(factory) as session:
        items = service.plan_schedules(
            session=session, kind=KIND, now=utc(2026, 11, 25), grace=timedelta(days=7)
        )
        assert items == []
    with session_scope(factory) as session:
        service.resume_schedule(
            session=session, team_id="T1", kind=KIND, subject="P1", now=utc(2026, 11, 25)
        )
    with session_scope(factory) as session:
        items = service.plan_schedules(
            session=session, kind=KIND, now=utc(2026, 11, 25, 1), grace=timedelta(days=7)
        )
        assert items == []
        schedule = session.scalar(select(Schedule))
        assert schedule is not None and schedule.next_run_at == utc(2026, 11, 30, 9)


def test_a_user_moving_time_zone_moves_their_schedule(engine: Engine) -> None:
    factory = session_factory(engine)
    monday_nine_paris = Cadence(Frequency.weekly, hour=9, weekday=0, tz="Europe/Paris")
    now = utc(2026, 11, 20)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
        service.save_schedule(
            session=session,
            team_id="T1",
            kind=KIND,
            subject="U1",
            recipient="U1",
            cadence=monday_nine_paris,
            now=now,
            tz_follows_recipient=True,
        )
        moved = service.follow_recipient_tz(
            session=session, team_id="T1", user_id="U1", tz="Asia/Kolkata", now=now
        )
    assert moved == 1
    with session_scope(factory) as session:
        schedule = session.scalar(select(Schedule))
        assert schedule is not None and schedule.next_run_at == utc(2026, 11, 23, 3, 30)
