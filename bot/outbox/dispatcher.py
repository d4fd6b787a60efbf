"""Deliver what a transaction owes as soon as it commits, in this process, off the listener.

`watch(session_factory)` hooks every session's commit: the (workspace, kind) pairs the
transaction owed messages for (outbox.service) are handed to the dispatcher, whose threads run
the ledger's delivery for them (Runner.deliver_now). Each (workspace, kind) pair is a lane: one
thread at a time delivers a lane's rows, oldest first, and lanes go on side by side, so a new
request's card does not wait behind the receipts and Home tabs of the requests before it (each
a Slack call of 50 to 300 ms). A row that depends on another kind's (a note in the thread of a
card not posted yet) says NotReady and is looked at again when that one is due. A row that
must wait (a retry's backoff) is looked at again when it is due; the clock's ticks and every
process's start-up sweep pick up what a dead process left behind.
"""

from __future__ import annotations

import heapq
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.outbox import service
from bot.scheduling.runner import Runner

logger = logging.getLogger("bot.outbox")

# A workspace and one kind of message it is owed: delivered by one thread at a time.
Lane = tuple[str, str]

# After a pass that failed (the database down), try the lane again after this long.
PASS_FAILED_RETRY_SECONDS = 5.0
# A row due "now" that the pass could not claim (another process holds it) is looked at again
# after this long, not in a tight loop.
MIN_RECHECK_SECONDS = 0.1


class Dispatcher:
    def __init__(
        self,
        runner: Runner,
        kinds: Sequence[str],
        *,
        session_factory: sessionmaker[Session],
        threads: int = 2,
    ) -> None:
        self.runner = runner
        self.kinds = list(kinds)
        self.session_factory = session_factory
        self.threads = max(1, threads)
        self._cond = threading.Condition()
        # Lanes (team, kind) with new rows, in arrival order; the lanes being delivered.
        self._wanted: dict[Lane, None] = {}
        self._running: set[Lane] = set()
        self._timers: list[tuple[float, Lane]] = []  # (monotonic due time, lane)
        self._timer_of: dict[Lane, float] = {}  # each lane's earliest timer (others are stale)
        self._to_recover: set[Lane] = set()  # lanes whose next pass takes back dead claims
        self._pid: int | None = None
        self._closed = False

    # ------------------------------------------------------------ entry points

    def watch(self, factory: sessionmaker[Session]) -> None:
        """Deliver what every committed transaction of this factory owes.

        The listeners hold the dispatcher weakly: SQLAlchemy keeps them in a registry keyed
        (weakly) by the factory's Session class, and a listener holding the dispatcher would
        hold that class through the factory: nothing of the runtime, its engine and its pooled
        connections would ever be freed (each `jobs run` left its connections open)."""
        dispatcher = weakref.ref(self)

        # SQLAlchemy calls both listeners for a savepoint (begin_nested) too. Its release is not
        # the commit: other connections cannot see its rows yet, and threads kicked then found
        # nothing (the rows waited for the clock's next sweep). Its rollback must not forget
        # what the transaction owed before it; a lane kicked for rows a savepoint undid finds
        # nothing to send, which costs one query.
        def committed(session: Session) -> None:
            if session.in_nested_transaction():
                return
            owed = session.info.pop(service.OWED, None)
            alive = dispatcher()
            if owed and alive is not None:
                alive.kick(owed)

        def rolled_back(session: Session) -> None:
            if session.in_nested_transaction():
                return
            session.info.pop(service.OWED, None)

        event.listen(factory, "after_commit", committed)
        event.listen(factory, "after_rollback", rolled_back)

    def kick(self, owed: Iterable[tuple[str, str]]) -> None:
        """(team, kind) pairs with new rows: deliver them now."""
        with self._cond:
            for team_id, kind in owed:
                if kind in self.kinds:
                    self._wanted[(team_id, kind)] = None
            self._ensure_started()
            self._cond.notify_all()

    def sweep(self) -> None:
        """Every workspace with messages still owed (a process starting up)."""
        with session_scope(self.session_factory) as session:
            teams = service.teams_owed(session=session, kinds=self.kinds)
        lanes = [(team, kind) for team in teams for kind in self.kinds]
        with self._cond:
            self._to_recover.update(lanes)
        self.kick(lanes)

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._wanted and not self._running and not self._due_timers()

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing is owed that is due now (rows waiting for a retry do not count)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._wanted or self._running or self._due_timers():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # ------------------------------------------------------------ threads

    def _ensure_started(self) -> None:
        # Threads do not survive a fork: gunicorn's workers start their own on first use.
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._running.clear()
        for number in range(self.threads):
            threading.Thread(target=self._work, name=f"outbox-{number}", daemon=True).start()
        threading.Thread(target=self._tick_timers, name="outbox-timers", daemon=True).start()

    def _due_timers(self) -> bool:
        return bool(self._timers) and self._timers[0][0] <= time.monotonic()

    def _next_lane(self) -> Lane | None:
        for lane in self._wanted:
            if lane not in self._running:
                return lane
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                lane = self._next_lane()
                while lane is None:
                    if self._closed:
                        return
                    self._cond.wait()
                    lane = self._next_lane()
                del self._wanted[lane]
                self._running.add(lane)
                recover = lane in self._to_recover
                self._to_recover.discard(lane)
            try:
                retry_in = self._deliver(lane, recover=recover)
            finally:
                with self._cond:
                    self._running.discard(lane)
                    if retry_in is not None:
                        self._set_timer(lane, time.monotonic() + retry_in)
                    self._cond.notify_all()

    def _deliver(self, lane: Lane, *, recover: bool) -> float | None:
        """One pass over a lane's owed messages; seconds until the next is due, if any.
        Claims of dead processes are taken back at start-up (`sweep`) and by the clock."""
        team_id, kind = lane
        try:
            self.runner.deliver_now([kind], team_id=team_id, recover=recover)
            with session_scope(self.session_factory) as session:
                due = service.next_due(session=session, team_id=team_id, kinds=[kind])
        except Exception:
            logger.exception("outbox delivery for %s failed; trying again shortly", team_id)
            return PASS_FAILED_RETRY_SECONDS
        if due is None:
            return None
        return max((due - datetime.now(UTC)).total_seconds(), MIN_RECHECK_SECONDS)

    def _set_timer(self, lane: Lane, when: float) -> None:
        current = self._timer_of.get(lane)
        if current is not None and current <= when:
            return
        self._timer_of[lane] = when
        heapq.heappush(self._timers, (when, lane))

    def _tick_timers(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                while self._timers and self._timers[0][0] <= now:
                    when, lane = heapq.heappop(self._timers)
                    if self._timer_of.get(lane) != when:
                        continue  # superseded by an earlier timer
                    del self._timer_of[lane]
                    self._wanted[lane] = None
                    self._cond.notify_all()
                wait = self._timers[0][0] - now if self._timers else None
                self._cond.wait(wait)

    def state(self) -> dict[str, Any]:
        """For logs and tests: what the dispatcher holds right now."""
        with self._cond:
            return {
                "wanted": sorted(self._wanted),
                "running": sorted(self._running),
                "timers": len(self._timers),
            }
