"""APScheduler only ticks: one interval job per kind, an in-memory job store per process.

APScheduler 3 job stores must not be shared between schedulers, so nothing here coordinates
processes: the ledger does. Two clocks tick the same kinds and the ledger lets one send.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot import metrics
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
    scheduler.add_listener(_tick_submitted, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def _tick_submitted(event: JobSubmissionEvent) -> None:
    """The tick lag: how long after its due time a tick started (the earliest of the runs it
    coalesced, so a process that slept through ticks shows the whole delay). A tick that
    could not start because the previous one still runs is counted as missed."""
    if event.code == EVENT_JOB_MAX_INSTANCES:
        metrics.count_missed_tick(event.job_id)
        return
    if event.scheduled_run_times:
        due = min(event.scheduled_run_times)
        metrics.observe_tick_lag(event.job_id, (datetime.now(UTC) - due).total_seconds())


def _safe_tick(runner: Runner, kind_name: str) -> None:
    try:
        runner.tick(kind_name)
    except Exception:
        # The next tick tries again; the ledger keeps what was done.
        logger.exception("tick of %s failed", kind_name)
