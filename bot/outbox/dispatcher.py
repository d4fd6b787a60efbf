"""Deliver what a transaction owes as soon as it commits, in this process, off the listener.

`watch(session_factory)` hooks every session's commit: the (workspace, kind) pairs the
transaction owed messages for (outbox.service) are handed to the dispatcher, whose threads run
the ledger's delivery for them (Runner.deliver_now). One workspace is delivered by one thread
at a time, kinds in their declared order (a card before the note in its thread). A row that must
wait (a retry's backoff, a note waiting for its card) is looked at again when it is due; the
clock's ticks and every process's start-up sweep pick up what a dead process left behind.
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

# After a pass that failed (the database down), try the workspace again after this long.
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
        self._wanted: dict[str, set[str]] = {}  # team → kinds owed, in arrival order
        self._running: set[str] = set()
        self._timers: list[tuple[float, str]] = []  # (monotonic due time, team)
        self._timer_of: dict[str, float] = {}  # each team's earliest timer (others are stale)
        self._to_recover: set[str] = set()  # teams whose next pass takes back dead claims
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

        def committed(session: Session) -> None:
            owed = session.info.pop(service.OWED, None)
            alive = dispatcher()
            if owed and alive is not None:
                alive.kick(owed)

        def rolled_back(session: Session) -> None:
            session.info.pop(service.OWED, None)

        event.listen(factory, "after_commit", committed)
        event.listen(factory, "after_rollback", rolled_back)

    def kick(self, owed: Iterable[tuple[str, str]]) -> None:
        """(team, kind) pairs with new rows: deliver them now."""
        with self._cond:
            for team_id, kind in owed:
                if kind in self.kinds:
                    self._wanted.setdefault(team_id, set()).add(kind)
            self._ensure_started()
            self._cond.notify_all()

    def sweep(self) -> None:
        """Every workspace with messages still owed (a process starting up)."""
        with session_scope(self.session_factory) as session:
            teams = service.teams_owed(session=session, kinds=self.kinds)
        with self._cond:
            self._to_recover.update(teams)
        self.kick((team, kind) for team in teams for kind in self.kinds)

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

    def _next_team(self) -> str | None:
        for team_id in self._wanted:
            if team_id not in self._running:
                return team_id
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                team_id = self._next_team()
                while team_id is None:
                    if self._closed:
                        return
                    self._cond.wait()
                    team_id = self._next_team()
                kinds = self._wanted.pop(team_id)
                self._running.add(team_id)
                recover = team_id in self._to_recover
                self._to_recover.discard(team_id)
            try:
                retry_in = self._deliver(team_id, kinds, recover=recover)
            finally:
                with self._cond:
                    self._running.discard(team_id)
                    if retry_in is not None:
                        self._set_timer(team_id, time.monotonic() + retry_in)
                    self._cond.notify_all()

    def _deliver(self, team_id: str, kinds: set[str], *, recover: bool) -> float | None:
        """One pass over a workspace's owed messages; seconds until the next is due, if any.
        Claims of dead processes are taken back at start-up (`sweep`) and by the clock."""
        ordered = [kind for kind in self.kinds if kind in kinds]
        try:
            self.runner.deliver_now(ordered, team_id=team_id, recover=recover)
            with session_scope(self.session_factory) as session:
                due = service.next_due(session=session, team_id=team_id, kinds=self.kinds)
        except Exception:
            logger.exception("outbox delivery for %s failed; trying again shortly", team_id)
            return PASS_FAILED_RETRY_SECONDS
        if due is None:
            return None
        return max((due - datetime.now(UTC)).total_seconds(), MIN_RECHECK_SECONDS)

    def _set_timer(self, team_id: str, when: float) -> None:
        current = self._timer_of.get(team_id)
        if current is not None and current <= when:
            return
        self._timer_of[team_id] = when
        heapq.heappush(self._timers, (when, team_id))

    def _tick_timers(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                while self._timers and self._timers[0][0] <= now:
                    when, team_id = heapq.heappop(self._timers)
                    if self._timer_of.get(team_id) != when:
                        continue  # superseded by an earlier timer
                    del self._timer_of[team_id]
                    self._wanted.setdefault(team_id, set()).update(self.kinds)
                    self._cond.notify_all()
                wait = self._timers[0][0] - now if self._timers else None
                self._cond.wait(wait)

    def state(self) -> dict[str, Any]:
        """For logs and tests: what the dispatcher holds right now."""
        with self._cond:
            return {
                "wanted": {team: sorted(kinds) for team, kinds in self._wanted.items()},
                "running": sorted(self._running),
                "timers": len(self._timers),
            }
