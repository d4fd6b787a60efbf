"""Exactly-once across processes: a `jobs run` killed with SIGKILL mid-fan-out, and two `clock`
processes on one PostgreSQL database. Real processes, the real CLI, the fake Slack on loopback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.celebrations import service as celebrations
from bot.celebrations.models import WinSource
from bot.db import build_engine, session_factory, session_scope
from bot.db.migrations import upgrade
from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.ledger import enqueue
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.scheduling.service import plan_schedules, save_schedule
from bot.workspaces.service import MemberProfile, ensure_workspace, save_member
from tests.harness import BOT_TOKEN, SIGNING_SECRET, eventually
from tests.slack.fake_slack import FakeSlack

# The case: a process killed in the middle of a 1,000-recipient digest.
MEMBERS = [f"UM{n:04d}" for n in range(1000)]
CLOCK_RACE_MEMBERS = MEMBERS[:120]
MONDAY = datetime(2026, 11, 30, 18, tzinfo=UTC)


def revops_bot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def fake_slack_with(members: list[str], latency_seconds: float) -> Iterator[FakeSlack]:
    with FakeSlack(latency_seconds=latency_seconds) as fake:
        for user in members:
            fake.add_user(user_id=user, tz="Europe/Paris", locale="en-US")
        yield fake


@pytest.fixture
def crowd() -> Iterator[FakeSlack]:
    """A workspace of 1,000 members; each post takes 10 ms."""
    yield from fake_slack_with(MEMBERS, latency_seconds=0.01)


@pytest.fixture
def small_crowd() -> Iterator[FakeSlack]:
    """120 members; each post takes 20 ms."""
    yield from fake_slack_with(CLOCK_RACE_MEMBERS, latency_seconds=0.02)


def environment(fake: FakeSlack, url: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": url,
        "SEND_RATE_PER_MINUTE": "100000",
        "SEND_RATE_PER_CHANNEL_PER_SECOND": "100",
        "SEND_THREADS": "2",
        "LOG_FORMAT": "json",
    }


def a_win_this_week(url: str, when: datetime) -> None:
    """Something to say in everyone's digest: the team won a deal this week."""
    with session_scope(session_factory(build_engine(url))) as session:
        ensure_workspace(session=session, team_id="T1")
        celebrations.record_win(
            session=session,
            team_id="T1",
            new=celebrations.NewWin(
                kind="deal_signed",
                title="ACME signs",
                source=WinSource.webhook,
                source_ref="test:acme",
                amount=Decimal("12000"),
                currency="EUR",
                winners=[celebrations.NewWinner(user_id=MEMBERS[0], name="Winner")],
            ),
            now=when,
        )


def digests_per_member(fake: FakeSlack) -> Counter[str]:
    return Counter(
        call.args["channel"]
        for call in fake.calls("chat.postMessage", ok=True)
        if call.args["metadata"]["event_payload"]["key"].startswith("T1/weekly-digest/")
    )


def digests_sent(fake: FakeSlack) -> int:
    return sum(digests_per_member(fake).values())


def claimers_now(factory: sessionmaker[Session]) -> set[str | None]:
    """Who holds a claim on a row being sent, right now."""
    with session_scope(factory) as session:
        return set(
            session.scalars(
                select(Delivery.claimed_by).where(Delivery.status == DeliveryStatus.sending)
            )
        )


def digest_ticks_ended(log: Path) -> int:
    """How many weekly-digest ticks a clock's JSON log says have ended: a tick's sends are all
    done (posted, or given up) when it logs its "job tick" line."""
    ended = 0
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("message") == "job tick" and record.get("what") == "weekly-digest":
            ended += 1
    return ended


def age_claims(url: str, age: timedelta) -> None:
    """Move every claim back in time by `age`, as if that much time had passed since."""
    with session_scope(session_factory(build_engine(url))) as session:
        for row in session.scalars(
            select(Delivery).where(Delivery.status == DeliveryStatus.sending)
        ):
            assert row.claimed_at is not None
            row.claimed_at -= age


def test_a_run_killed_mid_fan_out_resumes_without_duplicates_or_gaps(
    crowd: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    a_win_this_week(database_url, MONDAY - timedelta(days=2))
    env = environment(crowd, database_url)
    first = subprocess.Popen(
        revops_bot("jobs", "run", "weekly-digest", "--team", "T1", "--now", MONDAY.isoformat()),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    eventually(lambda: digests_sent(crowd) >= 300, timeout=120, what="300 digests sent")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    sent_before_kill = sum(digests_per_member(crowd).values())
    assert 300 <= sent_before_kill < len(MEMBERS)

    # The next run comes after the claim lease (2 minutes on the wall clock) has run out: the
    # dead process's claims are aged by three minutes rather than waited for.
    age_claims(database_url, timedelta(minutes=3))
    later = (MONDAY + timedelta(minutes=3)).isoformat()
    second = subprocess.run(
        revops_bot("jobs", "run", "weekly-digest", "--team", "T1", "--now", later),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr[-2000:]
    sent = digests_per_member(crowd)
    assert set(sent) == set(MEMBERS)  # nobody skipped
    assert max(sent.values()) == 1  # nobody twice, the send in flight at the kill included
    with session_scope(session_factory(build_engine(database_url))) as session:
        statuses = Counter(
            row.status
            for row in session.scalars(select(Delivery).where(Delivery.kind == "weekly-digest"))
        )
    assert statuses == {DeliveryStatus.sent: len(MEMBERS)}


def test_two_clocks_on_one_postgresql_database_send_each_digest_once(
    small_crowd: FakeSlack, postgres_scratch_url: str, tmp_path: Path
) -> None:
    url = postgres_scratch_url
    upgrade(url)
    crowd = small_crowd
    now = datetime.now(UTC)
    a_win_this_week(url, now - timedelta(days=2))  # within the seven days a digest looks back on
    # Every member's digest fell due an hour ago (this weekday, in UTC).
    due = Cadence(Frequency.weekly, hour=0, weekday=now.weekday(), tz="UTC")
    factory = session_factory(build_engine(url))
    with session_scope(factory) as session:
        for user in CLOCK_RACE_MEMBERS:
            save_member(
                session=session,
                team_id="T1",
                now=now,
                profile=MemberProfile(
                    user_id=user,
                    name=user,
                    tz="UTC",
                    locale="en-US",
                    is_admin=False,
                    is_owner=False,
                    is_bot=False,
                    deleted=False,
                ),
            )
            save_schedule(
                session=session,
                team_id="T1",
                kind="weekly-digest",
                subject=user,
                recipient=user,
                cadence=due,
                now=now - timedelta(days=1),
                tz_follows_recipient=True,
            )
    # The digests are already in the ledger, as a first tick leaves them: the clocks race over
    # the sends. (Racing planners are shown in test_ledger: one row per key.)
    with session_scope(factory) as session:
        due_items = plan_schedules(
            session=session, kind="weekly-digest", now=now, grace=timedelta(days=6)
        )
        assert enqueue(session=session, kind="weekly-digest", items=due_items, now=now) == len(
            CLOCK_RACE_MEMBERS
        )
    env = environment(crowd, url)
    # Posts wait unanswered (less than the client's timeout) until both clocks hold claims at
    # the same moment: then the two really race, however slowly one of them started.
    crowd.hold("chat.postMessage")
    logs = [tmp_path / f"clock-{n}.log" for n in range(2)]
    clocks = [
        subprocess.Popen(
            revops_bot("clock"),
            env=env,
            cwd=tmp_path,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        try:
            eventually(
                lambda: len(claimers_now(factory)) >= 2,
                timeout=10,
                what="both clocks hold claims at the same moment",
            )
            crowd.release("chat.postMessage")
            eventually(
                lambda: digests_sent(crowd) >= len(CLOCK_RACE_MEMBERS),
                timeout=90,
                what=f"{len(CLOCK_RACE_MEMBERS)} digests sent",
            )
            # A duplicate, if the ledger let one through, is posted within the tick that
            # claimed it: once both clocks' ticks have ended, whatever they sent is here.
            eventually(
                lambda: all(digest_ticks_ended(log) >= 1 for log in logs),
                timeout=30,
                what="both clocks' digest ticks ended",
            )
        except AssertionError as error:
            said = [log.read_text().splitlines()[-4:] for log in logs]
            raise AssertionError(f"{error}; the clocks said last: {said}") from None
    finally:
        for clock in clocks:
            clock.send_signal(signal.SIGTERM)
        for clock in clocks:
            try:
                clock.wait(timeout=15)
            except subprocess.TimeoutExpired:
                clock.kill()
    sent = digests_per_member(crowd)
    assert set(sent) == set(CLOCK_RACE_MEMBERS) and max(sent.values()) == 1
    with session_scope(factory) as session:
        claimers = {
            row.claimed_by
            for row in session.scalars(select(Delivery).where(Delivery.kind == "weekly-digest"))
        }
    assert len(claimers) == 2  # both clocks did part of the work
