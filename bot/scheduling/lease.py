"""A claim's lease, kept alive by the sender that holds it while it waits.

A claimed ledger row is the claimer's for CLAIM_LEASE on the wall clock, counted from the
claim; then another clock's recovery may take it back (reading Slack's history first) and send
it. A sender spends most of its time waiting: for its turn under the pacing, or out a 429's
Retry-After. Before any wait the claim would not outlast (plus a margin for the post that
follows), it renews the claim; a renewal that finds the row no longer its own raises
`ClaimLost`, and the sender neither posts nor writes to the row: it is another's now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.scheduling import ledger


def wall_clock() -> datetime:
    return datetime.now(UTC)


class ClaimLost(Exception):
    """The claim ran out and another clock took the row back: this sender must not post it."""


@dataclass
class Lease:
    """One claim of one ledger row (`Hold` for `Sender.post`); thread-confined."""

    session_factory: sessionmaker[Session]
    delivery_id: int
    worker: str
    # Every claim of a row counts an attempt: (worker, attempts) names this claim, not a later
    # one by the same process.
    attempts: int
    # When the claim was made or last renewed, on `clock`.
    renewed_at: datetime
    length: timedelta = field(default_factory=lambda: ledger.CLAIM_LEASE)
    clock: Callable[[], datetime] = wall_clock
    sleeper: Callable[[float], None] = time.sleep

    @property
    def margin(self) -> timedelta:
        """What must be left of the lease when a post starts: the post's own time (the client
        times out after 15 s; a quarter of the two-minute lease is 30 s)."""
        return self.length / 4

    def keep(self, seconds: float = 0.0) -> None:
        """Make sure the claim lasts `seconds` more, then the margin; renew it if not.

        Raises ClaimLost when the row is no longer this claim's.
        """
        now = self.clock()
        if self.renewed_at + self.length - now >= timedelta(seconds=seconds) + self.margin:
            return
        with session_scope(self.session_factory) as session:
            renewed = ledger.renew_claim(
                session=session,
                delivery_id=self.delivery_id,
                worker=self.worker,
                attempts=self.attempts,
                now=now,
            )
        if not renewed:
            raise ClaimLost(f"delivery {self.delivery_id} is no longer claimed by {self.worker}")
        self.renewed_at = now

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds` holding the claim: a wait longer than half a lease is slept in
        stretches, the claim renewed before each one it would not outlast. On return the claim
        has at least the margin left for the post that follows."""
        end = time.monotonic() + seconds
        stretch = self.length.total_seconds() / 2
        while (left := end - time.monotonic()) > 0:
            step = min(left, stretch)
            self.keep(step)
            self.sleeper(step)
        self.keep()
