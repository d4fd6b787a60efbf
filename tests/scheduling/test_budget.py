"""Slack's rate limits are one budget shared by every sending process, through the database."""

from __future__ import annotations

from sqlalchemy import Engine, select

from bot.db import session_factory, session_scope
from bot.scheduling.budget import SharedBudget, channel_lane
from bot.scheduling.models import SendBudget
from bot.slack.sender import OutgoingMessage, Pacer, RateLimits, Sender
from bot.workspaces.service import ensure_workspace
from tests.harness import BotHarness

LIMITS = RateLimits(per_team_per_minute=60, team_burst=2, per_channel_per_second=1, channel_burst=1)


def test_two_processes_reserving_at_once_share_one_budget(engine: Engine) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
    now = 1_000_000.0
    clock_a = SharedBudget(factory, LIMITS, clock=lambda: now)
    clock_b = SharedBudget(factory, LIMITS, clock=lambda: now)
    # Ten DMs at the same instant, alternately from each process: a burst of two, then one a
    # second (60 a minute), whoever asks.
    waits = [(clock_a if n % 2 == 0 else clock_b).reserve("T1", f"U{n}") for n in range(10)]
    assert waits == [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]


def test_a_channel_has_its_own_lane_and_a_dm_names_nobody(engine: Engine) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
    limits = RateLimits(per_team_per_minute=6000, team_burst=100, per_channel_per_second=1)
    budget = SharedBudget(factory, limits, clock=lambda: 500.0)
    # Three posts at once in one channel: its burst of three; the fourth waits a second.
    assert [budget.reserve("T1", "CINTAKE") for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]
    assert budget.reserve("T1", "COTHER") == 0.0  # another channel's lane
    budget.reserve("T1", "U123")
    with session_scope(factory) as session:
        lanes = set(session.scalars(select(SendBudget.lane)))
    assert lanes == {"team", "channel:CINTAKE", "channel:COTHER"}
    assert channel_lane("U123") is None and channel_lane("W123") is None


def test_a_lane_booked_by_a_clock_far_ahead_starts_afresh(engine: Engine) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
    ahead = SharedBudget(factory, LIMITS, clock=lambda: 10_000.0)  # a host an hour ahead
    behind = SharedBudget(factory, LIMITS, clock=lambda: 6_400.0)
    for _ in range(3):
        ahead.reserve("T1", "U1")
    assert behind.reserve("T1", "U1") == 0.0  # not an hour's wait


def test_a_post_refused_with_a_429_takes_a_turn_of_its_own_for_its_retry(bot: BotHarness) -> None:
    # Slack counts as the budget does: a retry that took no turn would take another sender's,
    # whose post Slack would then refuse in turn, and so on (41 429s in a 1,000-digest run).
    factory = bot.runtime.services.session_factory
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
    now = 1_000_000.0
    sender = Sender(Pacer(LIMITS, shared=SharedBudget(factory, LIMITS, clock=lambda: now).reserve))
    bot.fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=0)

    sender.post(
        bot.runtime.services.clients.for_team("T1"),
        team_id="T1",
        message=OutgoingMessage(channel="U1", text="hello"),
        ledger_key="T1/test/U1",
        part=0,
    )

    assert [call.error for call in bot.fake.calls("chat.postMessage")] == ["ratelimited", None]
    with session_scope(factory) as session:
        tat = session.scalars(select(SendBudget.tat).where(SendBudget.lane == "team")).one()
    assert tat == now + 2 * 1.0  # two turns of one second (60 a minute): the post and its retry
