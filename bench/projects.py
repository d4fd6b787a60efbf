"""Benchmark of project animation at scale: 2,000 active projects, 20,000 check-ins.

    python bench/projects.py                      # SQLite (a file in a temporary folder)
    TEST_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test python bench/projects.py

Measures, p50 / p99 in milliseconds:
- one scheduler tick of the project kinds: finding the check-ins due now (the `schedules`
  rows of `project-checkin`), the check-ins to remind or mark missed, the milestone reminders
  due; each tick runs in a transaction rolled back afterwards, so every run sees the same data;
- building the weekly flash report: the bulk read (flash.flash_report) plus the Block Kit
  messages (report_views.flash_report).
Goals (issue 6): tick under 100 ms and report under 1 s on SQLite. Results are also written to
bench/results/projects-<backend>.json.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db import build_engine, session_factory
from bot.db.migrations import upgrade
from bot.i18n import translator_for
from bot.projects import report_views
from bot.projects.followups import missed_due_at, reminder_due_at
from bot.projects.jobs import (
    CheckinFollowUpKind,
    CheckinKind,
    MilestoneReminderKind,
)
from bot.projects.models import (
    Checkin,
    Kpi,
    Milestone,
    Project,
    RolloutLine,
)
from bot.projects.service import CHECKIN_KIND, checkin_subject
from bot.scheduling.cadence import (
    Cadence,
    Frequency,
    latest_occurrence,
    next_occurrence,
)
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Schedule
from bot.services import Services
from bot.workspaces.models import Workspace

PROJECTS = 2_000
CHECKINS = 20_000
TEAM = "TBENCH"
TICK_RUNS = 60
REPORT_RUNS = 15
# "Now" of the measured tick: a Tuesday 10:00 in Paris, when one slot of projects is due.
NOW = datetime(2026, 11, 24, 9, 0, 30, tzinfo=UTC)
ZONES = ["Europe/Paris", "America/New_York", "Europe/London", "Asia/Singapore"]
RESULTS = Path(__file__).with_name("results")


@contextmanager
def database() -> Iterator[tuple[str, Engine]]:
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        name = f"revops_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(url)
            engine = build_engine(url)
            yield "postgresql", engine
            engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = build_engine(url)
        yield "sqlite", engine
        engine.dispose()


def seed(session: Session) -> None:
    """2,000 active projects (2 KPIs, 3 milestones, 5 roll-out lines each), their weekly
    check-in schedules spread over weekdays, hours and zones, and 20,000 check-ins: ten per
    project, the latest one pending for one project in five, the others answered or missed.
    The data is in steady state: the previous tick ran a minute before the measured one."""
    random.seed(6)
    session.add(Workspace(team_id=TEAM, name="Bench"))
    session.flush()
    start = date(2026, 6, 1)
    created = datetime(2026, 6, 1, tzinfo=UTC)
    projects, schedules, kpis, milestones, lines, checkins = [], [], [], [], [], []
    for number in range(1, PROJECTS + 1):
        tz = random.choice(ZONES)
        weekday, hour, minute = random.randrange(5), random.randrange(8, 18), random.choice((0, 30))
        projects.append(
            {
                "id": number,
                "team_id": TEAM,
                "name": f"Project {number:04d}",
                "name_key": f"project {number:04d}",
                "objective": "Roll the new process out to every team.",
                "owner_id": f"U{number % 150:04d}",
                "channel_id": f"C{number % 300:04d}",
                "tz": tz,
                "start_date": start,
                "target_end_date": start + timedelta(days=365),
                "phase": "rollout",
                "status": "active",
                "health": random.choice(["on_track", "at_risk", "off_track"]),
                "progress_pct": random.randint(0, 100),
                "blockers": "Waiting for the CRM admin" if number % 4 == 0 else None,
                "last_update_at": NOW - timedelta(days=7),
                "created_by": "U0001",
                "created_at": created,
            }
        )
        cadence = Cadence(Frequency.weekly, hour=hour, minute=minute, weekday=weekday, tz=tz)
        schedules.append(
            {
                "team_id": TEAM,
                "kind": CHECKIN_KIND,
                "subject": checkin_subject(number),
                "recipient": projects[-1]["channel_id"],
                "frequency": "weekly",
                "weekday": weekday,
                "hour": hour,
                "minute": minute,
                "tz": tz,
                "tz_follows_recipient": False,
                "paused": False,
                # Steady state: the previous tick ran a minute ago.
                "next_run_at": next_occurrence(cadence, NOW - timedelta(minutes=1)),
                "updated_at": created,
            }
        )
        for position, name in enumerate(("Win rate", "Days to quote")):
            kpis.append(
                {
                    "team_id": TEAM,
                    "project_id": number,
                    "name": name,
                    "name_key": name.lower(),
                    "unit": "%" if position == 0 else "days",
                    "baseline": 20.0 if position == 0 else 10.0,
                    "target": 30.0 if position == 0 else 4.0,
                    "direction": "up" if position == 0 else "down",
                    "current_value": 24.0 if position == 0 else 7.0,
                    "checkin_value": 24.0 if position == 0 else 7.0,
                    "previous_checkin_value": 22.0 if position == 0 else 8.0,
                    "position": position,
                }
            )
        for offset in (-20, number % 30, 60):
            due_date = NOW.date() + timedelta(days=offset)
            remind_on = due_date - timedelta(days=3)
            milestones.append(
                {
                    "team_id": TEAM,
                    "project_id": number,
                    "name": f"Milestone {offset}",
                    "due_date": due_date,
                    "is_decision": offset == 60,
                    "remind_days_before": 3,
                    "remind_on": remind_on,
                    # Reminders of earlier days went out (their ticks set these).
                    "before_reminded_at": NOW - timedelta(days=1)
                    if remind_on < NOW.date()
                    else None,
                    "day_reminded_at": NOW - timedelta(days=1) if due_date < NOW.date() else None,
                }
            )
        for position, country in enumerate(("France", "Germany", "Spain", "Italy", "UK")):
            lines.append(
                {
                    "team_id": TEAM,
                    "project_id": number,
                    "name": country,
                    "name_key": country.lower(),
                    "status": "live" if position < 2 else "not_started",
                    "position": position,
                }
            )
        per_project = CHECKINS // PROJECTS
        last_slot = latest_occurrence(cadence, NOW - timedelta(minutes=1))
        assert last_slot is not None
        for week in range(per_project):
            due = last_slot - timedelta(days=7 * (per_project - 1 - week))
            latest = week == per_project - 1
            status = (
                "pending"
                if latest and number % 5 == 0
                else random.choice(["posted"] * 9 + ["missed"])
            )
            remind_at = reminder_due_at(due_at=due, tz=tz, holidays=frozenset())
            miss_at = missed_due_at(due_at=due, tz=tz, holidays=frozenset())
            if status == "pending" and miss_at < NOW - timedelta(minutes=1):
                status = "missed"  # an earlier tick marked it
            checkins.append(
                {
                    "team_id": TEAM,
                    "project_id": number,
                    "period": f"{checkin_subject(number)}:{due.date().isoformat()}",
                    "due_at": due,
                    "status": status,
                    "channel_id": projects[-1]["channel_id"],
                    "card_ts": f"{1700000000 + number}.{week:06d}",
                    "remind_at": remind_at,
                    "miss_at": miss_at,
                    "reminded_at": remind_at if remind_at < NOW - timedelta(hours=1) else None,
                    "missed_at": miss_at if status == "missed" else None,
                    "health": "on_track" if status == "posted" else None,
                    "posted_at": due + timedelta(hours=2) if status == "posted" else None,
                }
            )
    for model, rows in (
        (Project, projects),
        (Schedule, schedules),
        (Kpi, kpis),
        (Milestone, milestones),
        (RolloutLine, lines),
        (Checkin, checkins),
    ):
        for chunk in range(0, len(rows), 1000):
            session.execute(insert(model), rows[chunk : chunk + 1000])


def measure(runs: int, work: Callable[[], Any]) -> dict[str, float]:
    work()  # warm caches and statements once
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))], 1),
        "runs": runs,
    }


def main() -> None:
    with database() as (backend, engine):
        factory = session_factory(engine)
        with factory.begin() as session:
            seed(session)
        if backend == "postgresql":  # as autovacuum would after a bulk load
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        services = cast(Services, None)  # planning and rendering need no Slack client
        kinds = [CheckinKind(), CheckinFollowUpKind(), MilestoneReminderKind()]
        found: dict[str, int] = {}

        def tick() -> None:
            with factory() as session:
                context = JobContext(session=session, now=NOW, services=services)
                for kind in kinds:
                    found[kind.name] = len(kind.plan(context, team_id=None, forced=False))
                session.rollback()  # every run finds the same due work

        t = translator_for("en")
        messages: list[Any] = []

        def flash() -> None:
            with factory() as session:
                report = flash.flash_report(session=session, team_id=TEAM, now=NOW)
                messages[:] = report_views.flash_report(t, report, week_of=NOW.date())

        results = {
            "backend": backend,
            "projects": PROJECTS,
            "checkins": CHECKINS,
            "tick": measure(TICK_RUNS, tick),
            "due_in_tick": dict(found),
            "flash_report": measure(REPORT_RUNS, flash),
            "flash_report_messages": len(messages),
            "flash_report_blocks": sum(len(blocks) for _, blocks in messages),
        }
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"projects-{backend}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
