"""Two clocks share a large fan-out from its first minute (issue 19, part 2).

At a slot where hundreds of schedules fall due, both clocks tick at once. The planning of one
must not keep the other idle: on PostgreSQL the due schedules a planner holds are skipped by
the other (`SKIP LOCKED`), and the delivery rows it plans are invisible until it commits; had
it planned the whole slot in one transaction, the other clock would find nothing to plan and
nothing to send, and sit the slot out until its next tick, a minute later.

    TEST_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test \\
        python -m pytest tests/scheduling/test_fan_out.py -s

prints the figures: when each clock made its first post, and how many posts each made.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.scheduling import service
from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.kinds import JobContext, ScheduledKind
from bot.scheduling.models import Delivery, Schedule
from bot.scheduling.runner import Runner
from bot.scheduling.service import DueItem
from bot.scheduling.tick_report import TickReport
from bot.slack.sender import OutgoingMessage, Pacer, RateLimits, Sender
from bot.workspaces.service import ensure_workspace
from tests.harness import BotHarness

KIND = "test-ping"
FAN_OUT = 240
# Slack's limit on chat.postMessage per workspace, and each clock's pacing (as operators set
# SEND_RATE_PER_MINUTE to Slack's limit): 40 posts a second, so that the test takes seconds.
PER_MINUTE = 2400
CLOCKS = ("clock-a", "clock-b")
FAST = RateLimits(per_channel_per_second=100, per_team_per_minute=100_000)


class Ping(ScheduledKind):
    """A one-line DM per due schedule: the cheapest scheduled kind."""

    name = KIND

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        return [OutgoingMessage(channel=delivery.recipient, text="ping")]


def schedules_due_a_minute_ago(bot: BotHarness, recipients: list[str]) -> None:
    slot = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    cadence = Cadence(Frequency.weekly, hour=slot.hour, minute=slot.minute, weekday=slot.weekday())
    with bot.session() as session:
        ensure_workspace(session=session, team_id="T1")
        for recipient in recipients:
            service.save_schedule(
                session=session,
                team_id="T1",
                kind=KIND,
                subject=recipient,
                recipient=recipient,
                cadence=cadence,
                now=slot - timedelta(seconds=1),
            )


def test_two_clocks_both_send_from_the_first_minute_of_a_large_fan_out(bot: BotHarness) -> None:
    recipients = [f"UF{n:04d}" for n in range(FAN_OUT)]
    schedules_due_a_minute_ago(bot, recipients)
    bot.fake.set_rate_limit("chat.postMessage", per_team_per_minute=PER_MINUTE, burst=20)
    services = bot.runtime.services
    clocks = [
        Runner(
            services,
            services.clients,
            Sender(Pacer(RateLimits(per_channel_per_second=1, per_team_per_minute=PER_MINUTE))),
            [Ping()],
            send_threads=2,
            worker=name,
        )
        for name in CLOCKS
    ]
    together = threading.Barrier(len(clocks))
    started = 0.0

    def first_tick(clock: Runner) -> TickReport:
        nonlocal started
        together.wait()
        started = started or time.time()
        return clock.tick(KIND)

    with ThreadPoolExecutor(max_workers=len(clocks)) as pool:
        reports = dict(zip(CLOCKS, pool.map(first_tick, clocks), strict=True))
    took = time.time() - started

    posts = bot.fake.calls("chat.postMessage", ok=True)
    # The clocks' pacers are not shared, so Slack answers some posts 429; a row refused more
    # times than the client retries (more likely on a busy machine) waits for its backoff and
    # goes at the next tick: delayed, never lost nor doubled.
    retrying = sum(report.retrying for report in reports.values())
    assert len(posts) + retrying == FAN_OUT, {n: r.summary() for n, r in reports.items()}
    later = datetime.now(UTC) + timedelta(hours=1)
    assert clocks[0].tick(KIND, now=later).sent == retrying
    posts = bot.fake.calls("chat.postMessage", ok=True)
    assert Counter(call.args["channel"] for call in posts) == Counter(recipients)
    with bot.session() as session:
        sender_of = dict(session.execute(select(Delivery.recipient, Delivery.claimed_by)).all())
    firsts = {name: float("inf") for name in CLOCKS}
    for call in posts:
        clock = sender_of[call.args["channel"]]
        firsts[clock] = min(firsts[clock], call.at - started)
    figures = ", ".join(
        f"{name} planned {reports[name].planned}, sent {reports[name].sent}, "
        f"first post at +{firsts[name]:.2f} s"
        for name in CLOCKS
    )
    print(
        f"\n{FAN_OUT} due at once, {PER_MINUTE}/min: {figures}; all sent in {took:.1f} s "
        f"({bot.fake.ratelimited_count} answered 429: the clocks' pacing is not shared)"
    )
    for name in CLOCKS:
        # A clock that sat the slot out would send nothing until its next tick, a minute later:
        # each must post within seconds of the slot. How much each sends is not the point: it
        # depends on which clock's threads the machine runs first (95/145 on a quiet machine,
        # 46/194 at load 10, 10/229 in CI with the planner's own sends the fewer).
        assert reports[name].sent >= 1, figures
        assert firsts[name] < 5, figures


def test_one_clock_plans_a_slot_of_several_batches_in_one_tick(bot: BotHarness) -> None:
    recipients = [f"UF{n:04d}" for n in range(2 * service.PLAN_BATCH + 7)]
    schedules_due_a_minute_ago(bot, recipients)
    services = bot.runtime.services
    clock = Runner(services, services.clients, Sender(Pacer(FAST)), [Ping()], send_threads=2)

    report = clock.tick(KIND)

    assert (report.planned, report.sent) == (len(recipients), len(recipients))
    with bot.session() as session:
        schedules = session.scalars(select(Schedule).where(Schedule.kind == KIND)).all()
    assert all(schedule.next_run_at > datetime.now(UTC) for schedule in schedules)
    assert clock.tick(KIND).planned == 0


class PlannedWhileSending(Ping):
    """Ping, whose planning of each batch after the first waits until the senders have posted
    (or 10 s have passed), and notes how many posts Slack had by then."""

    plan_batch = 5

    def __init__(self, bot: BotHarness) -> None:
        self.bot = bot
        self.batches = 0
        self.posts_while_planning: list[int] = []

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        if self.batches > 0:
            # Senders that wait for the whole planning post nothing meanwhile: noted as 0.
            with suppress(AssertionError):
                self.bot.fake.wait_for("chat.postMessage", timeout=10)
            self.posts_while_planning.append(len(self.bot.fake.calls("chat.postMessage")))
        self.batches += 1
        return super().plan(ctx, team_id=team_id, forced=forced)


def test_a_tick_sends_the_first_batch_while_it_plans_the_next(bot: BotHarness) -> None:
    # At a slot of 1,000 digests (20 batches) the first post waited for the last batch: 8 s
    # of Slack's budget unused on a busy machine. The senders now start with the planning.
    recipients = [f"UF{n:04d}" for n in range(12)]  # three batches of up to five
    schedules_due_a_minute_ago(bot, recipients)
    services = bot.runtime.services
    kind = PlannedWhileSending(bot)
    clock = Runner(services, services.clients, Sender(Pacer(FAST)), [kind], send_threads=2)

    report = clock.tick(KIND)

    assert (report.planned, report.sent) == (len(recipients), len(recipients))
    assert len(kind.posts_while_planning) == 2 and kind.posts_while_planning[0] >= 1
    assert Counter(c.args["channel"] for c in bot.fake.calls("chat.postMessage")) == Counter(
        recipients
    )


def test_a_tick_whose_senders_cannot_all_start_ends_instead_of_waiting_forever(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a process shuts down, a thread pool refuses new work ("cannot schedule new futures
    # after interpreter shutdown"): the senders already started waited for a planning that
    # never ended, and so did the tick and the process (CI saw `serve` killed after 20 s).
    recipients = [f"UF{n:04d}" for n in range(4)]
    schedules_due_a_minute_ago(bot, recipients)
    services = bot.runtime.services
    clock = Runner(
        services, services.clients, Sender(Pacer(FAST)), [PlannedWhileSending(bot)], send_threads=2
    )

    class ShuttingDown(ThreadPoolExecutor):
        submitted = 0

        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def,override]
            ShuttingDown.submitted += 1
            if ShuttingDown.submitted > 1:
                raise RuntimeError("cannot schedule new futures after interpreter shutdown")
            return super().submit(*args, **kwargs)

    monkeypatch.setattr("bot.scheduling.runner.ThreadPoolExecutor", ShuttingDown)
    outcome: list[BaseException] = []

    def tick() -> None:
        try:
            clock.tick(KIND)
        except RuntimeError as error:
            outcome.append(error)

    ticking = threading.Thread(target=tick, daemon=True)
    ticking.start()
    ticking.join(timeout=15)
    assert not ticking.is_alive(), "the tick waited forever for its planning"
    assert [str(error) for error in outcome] == [
        "cannot schedule new futures after interpreter shutdown"
    ]
