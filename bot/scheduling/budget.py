"""Slack's rate limits as one budget that every sending process shares, through the database.

Each process used to pace itself: two clocks (which README calls safe), or a clock and a web
process delivering the outbox, together sent up to twice what Slack allows and collected 429s.
Here a send reserves its slot in the workspace's lane (and the channel's, for a channel post)
with one atomic UPDATE: the generic cell rate algorithm (GCRA) keeps, per lane, the theoretical
arrival time `tat` of the next send; a send at `now` is due at max(now, tat - burst tolerance)
and moves `tat` one interval on. Whoever reserves first goes first, whichever process it is; the
reservation is made once, then waited out (in the claim-keeping sleep of the sender).

Lanes never name a person: a DM (a user id as channel) counts against the workspace's lane only.
Times are wall-clock seconds: the hosts' clocks must agree (NTP), as for claims' leases.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import case, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import insert_or_ignore, session_scope
from bot.scheduling.models import SendBudget
from bot.slack.sender import RateLimits

TEAM_LANE = "team"
# Senders reserve one send at a time each, so a lane is never booked further ahead than a few
# intervals per sending thread; beyond this, the stored time is a clock that jumped.
HORIZON_SECONDS = 120.0


def channel_lane(channel: str | None) -> str | None:
    """The channel's lane, for a conversation id (C…, G…, D…); none for a user id (a DM)."""
    if not channel or channel[:1] not in {"C", "G", "D"}:
        return None
    return f"channel:{channel}"[:64]


class SharedBudget:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        limits: RateLimits,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session_factory = session_factory
        self.limits = limits
        self.clock = clock

    def reserve(self, team_id: str, channel: str | None) -> float:
        """Reserve the next send to `channel` in `team_id`; seconds to wait before it."""
        limits = self.limits
        team_interval = 60.0 / limits.per_team_per_minute
        lanes = [(TEAM_LANE, team_interval, limits.team_burst)]
        lane = channel_lane(channel)
        if lane is not None:
            lanes.append((lane, 1.0 / limits.per_channel_per_second, limits.channel_burst))
        now = self.clock()
        due = now
        with session_scope(self.session_factory) as session:
            for name, interval, burst in lanes:
                tat = self._take(session, team_id, name, now, interval)
                due = max(due, tat - interval - (burst - 1) * interval)
        return max(due - now, 0.0)

    @staticmethod
    def _take(session: Session, team_id: str, lane: str, now: float, interval: float) -> float:
        """Move the lane's theoretical arrival time one interval on; the new one."""
        start = case(
            # A time further ahead than any queue of senders can make is a clock that jumped
            # (another host's, or this one's): start the lane afresh rather than wait for it.
            (SendBudget.tat > now + HORIZON_SECONDS, now),
            (SendBudget.tat > now, SendBudget.tat),
            else_=now,
        )
        take = (
            update(SendBudget)
            .where(SendBudget.team_id == team_id, SendBudget.lane == lane)
            .values(tat=start + interval)
            .returning(SendBudget.tat)
        )
        tat = session.execute(take).scalar_one_or_none()
        if tat is None:  # the lane's first send (rows are made on first use)
            insert_or_ignore(
                session,
                SendBudget,
                [{"team_id": team_id, "lane": lane, "tat": now}],
                ["team_id", "lane"],
            )
            tat = session.execute(take).scalar_one()
        return float(tat)
