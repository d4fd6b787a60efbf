"""Runs one kind's tick: recover dead claims, plan due work into the ledger, deliver it.

Here the tick is planned and its sender threads started; what a sender does with a ledger row
(claim, render, post, record, and the recovery of a dead process's claims) is in
bot/scheduling/delivery.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bot import metrics
from bot.db import session_scope
from bot.scheduling import ledger, service
from bot.scheduling.delivery import Deliverer
from bot.scheduling.kinds import JobContext, JobKind
from bot.scheduling.lease import wall_clock
from bot.scheduling.tick_report import TickReport
from bot.scheduling.workers import this_worker
from bot.services import Services
from bot.slack.client import TeamClients
from bot.slack.sender import Sender

logger = logging.getLogger("bot.jobs")


class Planning:
    """What a tick's senders know of its planning: how many batches were committed, and
    whether it is over. A sender that found nothing to claim waits for the next batch."""

    # A safety net only: a batch's commit wakes the senders at once.
    WAIT_SECONDS = 1.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._batches = 0
        self._over = False

    def committed(self) -> None:
        with self._cond:
            self._batches += 1
            self._cond.notify_all()

    def finished(self) -> None:
        with self._cond:
            self._over = True
            self._cond.notify_all()

    def state(self) -> tuple[int, bool]:
        with self._cond:
            return self._batches, self._over

    def wait_for_batch(self, *, after: int) -> None:
        """Return once a batch beyond the first `after` is committed or the planning is over."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._batches > after or self._over, timeout=self.WAIT_SECONDS
            )


class Runner:
    def __init__(
        self,
        services: Services,
        clients: TeamClients,
        sender: Sender,
        kinds: list[JobKind],
        *,
        send_threads: int = 4,
        worker: str | None = None,
        lease: timedelta | None = None,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.services = services
        self.kinds = {kind.name: kind for kind in kinds}
        self.send_threads = send_threads
        self.deliverer = Deliverer(
            services, clients, sender, worker=worker or this_worker(), lease=lease, clock=clock
        )

    def tick(
        self,
        kind_name: str,
        *,
        now: datetime | None = None,
        team_id: str | None = None,
        forced: bool = False,
        report: TickReport | None = None,
    ) -> TickReport:
        """Recover, plan and deliver one kind (delivering from the first batch planned).
        `report` (counted as the tick goes) lets a caller in another thread show the progress."""
        kind = self.kinds[kind_name]
        now = now or datetime.now(UTC)
        started = time.perf_counter()
        report = report or TickReport(kind=kind.name)
        try:
            try:
                kind.prepare(self.services, now=now, team_id=team_id)
            except Exception:
                logger.exception("preparing %s failed; planning with what is known", kind.name)
            self.deliverer.recover(kind, now=now, team_id=team_id, report=report)
            self._plan_and_deliver(kind, now=now, team_id=team_id, forced=forced, report=report)
        finally:
            elapsed = time.perf_counter() - started
            metrics.observe_tick(kind.name, elapsed)
            # An idle tick (nothing planned, sent or retried) is DEBUG: every kind ticks every
            # minute, and a day of "nothing" lines would bury the ones that did something.
            logger.log(
                logging.INFO if report.did_something else logging.DEBUG,
                "job tick",
                extra={
                    "what": kind.name,
                    "team": team_id or "*",
                    "outcome": report.summary(),
                    "ms": round(elapsed * 1000, 1),
                },
            )
        return report

    def deliver_now(
        self, kind_names: Sequence[str], *, team_id: str, recover: bool = False
    ) -> TickReport:
        """Deliver what these kinds owe one workspace, now, in this thread (the outbox's
        dispatcher after a commit): send every due row in order; with `recover` (a process
        starting), first take back the claims of dead processes."""
        now = datetime.now(UTC)
        report = TickReport(kind=",".join(kind_names))
        for name in kind_names:
            kind = self.kinds[name]
            if recover:
                self.deliverer.recover(kind, now=now, team_id=team_id, report=report)
            while self.deliverer.deliver_next(kind, now=now, team_id=team_id, report=report):
                pass
        return report

    # ------------------------------------------------------------ plan

    def _plan(
        self,
        kind: JobKind,
        *,
        now: datetime,
        team_id: str | None,
        forced: bool,
        report: TickReport,
        planning: Planning | None = None,
    ) -> None:
        """Enter due work in the ledger. A batched kind plans batch after batch, each committed
        before the next: its rows can be sent at once, by this clock's senders (told through
        `planning`) or another clock's, and another clock planning the same slot takes the
        batches this one does not hold."""
        batch = kind.plan_batch if kind.plan_batch and not forced else None
        for _ in range(service.PLAN_LIMIT // batch if batch else 1):
            with session_scope(self.services.session_factory) as session:
                context = JobContext(session=session, now=now, services=self.services)
                items = kind.plan(context, team_id=team_id, forced=forced)
                created = ledger.enqueue(session=session, kind=kind.name, items=items, now=now)
            if planning is not None:
                planning.committed()
            self._planned(kind, items, created, report)
            # A batch of fewer schedules than asked was the last (or the rest are another's).
            if batch is None or len({(item.team_id, item.subject) for item in items}) < batch:
                return

    @staticmethod
    def _planned(
        kind: JobKind, items: list[service.DueItem], created: int, report: TickReport
    ) -> None:
        report.planned += created
        report.skipped += sum(1 for item in items if item.skip_reason)
        for item in items:
            if item.skip_reason:
                logger.info(
                    "delivery skipped",
                    extra={
                        "what": kind.name,
                        "team": item.team_id,
                        "period": item.period,
                        "outcome": item.skip_reason,
                    },
                )

    # ------------------------------------------------------------ deliver

    def _plan_and_deliver(
        self, kind: JobKind, *, now: datetime, team_id: str | None, forced: bool, report: TickReport
    ) -> None:
        """Plan the due work and send it. With several sender threads, they start with the
        planning and send each batch as soon as it is committed: at a slot of 1,000 digests
        (20 batches), the first post no longer waits for the last batch (8 s on a busy 2-core
        machine, while Slack's budget for those seconds went unused)."""
        threads = max(1, self.send_threads)
        if threads == 1:
            self._plan(kind, now=now, team_id=team_id, forced=forced, report=report)
            self._send_due(kind, now=now, team_id=team_id, report=report, planning=None)
            return
        planning = Planning()
        senders: list[Future[None]] = []
        with ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix=f"send-{kind.name}"
        ) as pool:
            try:
                for _ in range(threads):
                    senders.append(
                        pool.submit(
                            self._send_due,
                            kind,
                            now=now,
                            team_id=team_id,
                            report=report,
                            planning=planning,
                        )
                    )
                self._plan(
                    kind, now=now, team_id=team_id, forced=forced, report=report, planning=planning
                )
            finally:
                # Whatever happened (a submit refused as the process shuts down, a planning
                # error), the senders already started must learn the planning is over, or they
                # wait for it forever and the pool's exit with them: a process that never ends.
                planning.finished()
            for sender in senders:
                sender.result()

    def _send_due(
        self,
        kind: JobKind,
        *,
        now: datetime,
        team_id: str | None,
        report: TickReport,
        planning: Planning | None,
    ) -> None:
        """Send due rows one at a time until none is left and the planning (if any) is over;
        meanwhile, wait for its next batch rather than stop."""
        while True:
            batches, over = planning.state() if planning is not None else (0, True)
            if self.deliverer.deliver_next(kind, now=now, team_id=team_id, report=report):
                continue
            if over or planning is None:
                return
            planning.wait_for_batch(after=batches)
