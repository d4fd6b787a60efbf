"""APScheduler only ticks: one interval job per kind, an in-memory job store per process.

APScheduler 3 job stores must not be shared between schedulers, so nothing here coordinates
processes: the ledger does. Two clocks tick the same kinds and the ledger lets one send.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.scheduling.runner import Runner

logger = logging.getLogger("bot.jobs")


def build_scheduler(runner: Runner, *, blocking: bool) -> BaseScheduler:
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(max_workers=max(2, len(runner.kinds)))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for kind in runner.kinds.values():
        scheduler.add_job(
            _safe_tick,
            "interval",
            seconds=kind.tick_seconds,
            args=[runner, kind.name],
            id=kind.name,
            name=kind.name,
            # Tick once at start: catch up what was missed while no process ran.
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def _safe_tick(runner: Runner, kind_name: str) -> None:
    try:
        runner.tick(kind_name)
    except Exception:
        # The next tick tries again; the ledger keeps what was done.
        logger.exception("tick of %s failed", kind_name)
