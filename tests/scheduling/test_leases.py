"""Claims and their lease, with two clocks on one database (issue 19).

A claim (pending → sending) is a lease: another clock's recovery takes a row back when its
claim is older than the lease and Slack's history does not show the post. So the lease must
count from the claim, and a sender that waits (its pacing, a 429's Retry-After) must keep it,
or give up the row; else the other clock sends the row while the sleeper is about to post it.

Two `Runner`s named clock-a and clock-b share the test's database (PostgreSQL with
TEST_DATABASE_URL, else a SQLite file) and the fake Slack, each with its own pacer, as two
`revops-bot clock` processes would. The lease is cut to one second so that the scenarios take
seconds; the fake Slack holds posts and answers 429 with a chosen Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.scheduling import ledger
from bot.scheduling.kinds import JobContext, JobKind
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.scheduling.runner import Runner
from bot.scheduling.service import DueItem
from bot.scheduling.tick_report import TickReport
from bot.slack.sender import OutgoingMessage, Pacer, RateLimits, Sender
from bot.workspaces.service import ensure_workspace
from tests.harness import BotHarness, eventually

KIND = "test-note"
LEASE = timedelta(seconds=1)
GENEROUS = RateLimits(per_channel_per_second=100, per_team_per_minute=100_000)


class Note(JobKind):
    """A one-line DM per ledger row, entered by the test: what is tested is the ledger."""

    name = KIND

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        return []

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        return [OutgoingMessage(channel=delivery.recipient, text=f"note {delivery.period}")]


@pytest.fixture
def short_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger, "CLAIM_LEASE", LEASE)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clock-a") as executor:
        yield executor


def clock(bot: BotHarness, name: str, limits: RateLimits = GENEROUS) -> Runner:
    """A clock process of its own: its own worker name, pacer and sender thread."""
    services = bot.runtime.services
    return Runner(
        services, services.clients, Sender(Pacer(limits)), [Note()], send_threads=1, worker=name
    )


def due_notes(bot: BotHarness, *recipients: str) -> None:
    """Ledger rows due an hour ago, claimed in this order."""
    due = datetime.now(UTC) - timedelta(hours=1)
    with bot.session() as session:
        ensure_workspace(session=session, team_id="T1")
        for recipient in recipients:
            ledger.enqueue(
                session=session,
                kind=KIND,
                items=[DueItem("T1", recipient, "2026-W49", recipient, due)],
                now=due,
            )


def row_of(bot: BotHarness, recipient: str) -> Delivery:
    with bot.session() as session:
        return session.scalars(
            select(Delivery).where(Delivery.kind == KIND, Delivery.recipient == recipient)
        ).one()


def posts_to(bot: BotHarness, recipient: str) -> int:
    return [call.args["channel"] for call in bot.fake.calls("chat.postMessage", ok=True)].count(
        recipient
    )


def tick_while_running(other: Runner, running: Future[TickReport]) -> list[TickReport]:
    """The other clock ticks over and over (a tick every 50 ms) while clock A's tick runs."""
    reports = []
    deadline = time.monotonic() + 30
    while not running.done():
        assert time.monotonic() < deadline, "clock A's tick never ended"
        reports.append(other.tick(KIND))
        time.sleep(0.05)
    return reports


def test_a_row_claimed_late_in_a_long_tick_and_waiting_out_a_429_is_posted_once(
    bot: BotHarness, short_lease: None, pool: ThreadPoolExecutor
) -> None:
    due_notes(bot, "U1", "U2")
    clock_a, clock_b = clock(bot, "clock-a"), clock(bot, "clock-b")
    # Clock A's tick grows long: Slack keeps its first post (to U1) for longer than a lease...
    bot.fake.hold("chat.postMessage")
    # ... and then refuses its post to U2 once, with a Retry-After longer than a whole lease.
    bot.fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=3, channel="U2")
    started = time.monotonic()
    tick_a = pool.submit(clock_a.tick, KIND)
    eventually(lambda: row_of(bot, "U1").claimed_by == "clock-a", what="clock A claims U1's row")
    time.sleep(max(0.0, started + 1.5 * LEASE.total_seconds() - time.monotonic()))
    bot.fake.release("chat.postMessage")
    bot.fake.wait_for("chat.postMessage", predicate=lambda call: call.error == "ratelimited")

    # Clock A claimed U2's row late in its tick and now sleeps out Retry-After; clock B ticks.
    reports_b = tick_while_running(clock_b, tick_a)

    report_a = tick_a.result()
    assert (posts_to(bot, "U1"), posts_to(bot, "U2")) == (1, 1)
    refused, posted = [c for c in bot.fake.calls("chat.postMessage") if c.args["channel"] == "U2"]
    assert posted.at - refused.at >= 3  # Retry-After was honoured
    assert len(bot.fake.dms_to("U2")) == 1
    assert sum(report.recovered for report in reports_b) == 0
    assert report_a.sent == 2 and sum(report.sent for report in reports_b) == 0
    assert row_of(bot, "U2").status == DeliveryStatus.sent


def test_a_sender_waiting_on_its_pacing_keeps_its_claim(
    bot: BotHarness, short_lease: None, pool: ThreadPoolExecutor
) -> None:
    due_notes(bot, "U1", "U2")
    # Clock A may post once every three seconds: its post to U2 waits three leases for its turn.
    slow = RateLimits(per_channel_per_second=100, per_team_per_minute=20, team_burst=1)
    clock_a, clock_b = clock(bot, "clock-a", slow), clock(bot, "clock-b")
    tick_a = pool.submit(clock_a.tick, KIND)
    eventually(
        lambda: posts_to(bot, "U1") == 1 and row_of(bot, "U2").claimed_by == "clock-a",
        what="clock A posts to U1 and claims U2's row",
    )

    reports_b = tick_while_running(clock_b, tick_a)

    assert tick_a.result().sent == 2
    assert (posts_to(bot, "U1"), posts_to(bot, "U2")) == (1, 1)
    assert sum(report.recovered for report in reports_b) == 0


def test_a_sender_whose_claim_was_taken_while_it_waited_does_not_post(
    bot: BotHarness, short_lease: None, pool: ThreadPoolExecutor
) -> None:
    due_notes(bot, "U2")
    bot.fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=2, channel="U2")
    tick_a = pool.submit(clock(bot, "clock-a").tick, KIND)
    bot.fake.wait_for("chat.postMessage", predicate=lambda call: call.error == "ratelimited")
    # While clock A sleeps, the row is taken from it, as another clock's recovery and claim do
    # when this process stalled (a long GC pause, a suspended VM) past its lease.
    with bot.session() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.kind == KIND, Delivery.recipient == "U2")
            .values(
                claimed_by="clock-b",
                claimed_at=datetime.now(UTC),
                attempts=Delivery.attempts + 1,
            )
        )

    report_a = tick_a.result(timeout=30)

    assert posts_to(bot, "U2") == 0  # clock A gave up the post: the row is clock B's now
    assert (report_a.lost, report_a.sent, report_a.retrying) == (1, 0, 0)
    row = row_of(bot, "U2")
    assert (row.status, row.claimed_by, row.attempts) == (DeliveryStatus.sending, "clock-b", 2)
