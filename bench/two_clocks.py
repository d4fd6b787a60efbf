"""Two `revops-bot clock` processes at a weekly-digest slot, on PostgreSQL (issue 19).

    TEST_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test \\
        python bench/two_clocks.py [--members 150] [--due 146] [--per-minute 60] [--until-done]

The operator's run of issue 19: a scratch PostgreSQL database on that server with N members, the
weekly digest due now for D of them and a win this week for them to read about; the fake Slack
refuses more than --per-minute chat.postMessage a minute (429 + Retry-After) and the clocks pace
at that rate (SEND_RATE_PER_MINUTE), one budget for both (send_budgets). Both clock processes
start at once, so their ticks meet at the slot. Prints, for each clock, when it made its first
post and how many posts it made in the first minute; with --until-done, waits for every digest
and counts duplicates (must be 0) and Slack's 429s (0 once the pacing is shared; 215 in the
first recorded run, when each clock paced alone).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.celebrations import service as celebrations  # noqa: E402
from bot.celebrations.models import WinSource  # noqa: E402
from bot.db import build_engine, session_factory, session_scope  # noqa: E402
from bot.db.migrations import upgrade  # noqa: E402
from bot.scheduling.cadence import Cadence, Frequency  # noqa: E402
from bot.scheduling.models import Delivery  # noqa: E402
from bot.scheduling.service import save_schedule  # noqa: E402
from bot.workspaces.service import MemberProfile, save_member  # noqa: E402
from tests import databases  # noqa: E402
from tests.harness import BOT_TOKEN, SIGNING_SECRET  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

KIND = "weekly-digest"


def seed(url: str, members: list[str], due: int, now: datetime) -> None:
    """Members, their digest schedules (the first `due` fell due an hour ago), a win."""
    due_now = Cadence(Frequency.weekly, hour=0, weekday=now.weekday(), tz="UTC")
    not_today = Cadence(Frequency.weekly, hour=0, weekday=(now.weekday() + 3) % 7, tz="UTC")
    with session_scope(session_factory(build_engine(url))) as session:
        for n, user in enumerate(members):
            save_member(
                session=session,
                team_id="T1",
                now=now,
                profile=MemberProfile(
                    user_id=user,
                    name=user,
                    tz="UTC",
                    locale="en-US",
                    is_admin=False,
                    is_owner=False,
                    is_bot=False,
                    deleted=False,
                ),
            )
            save_schedule(
                session=session,
                team_id="T1",
                kind=KIND,
                subject=user,
                recipient=user,
                cadence=due_now if n < due else not_today,
                now=now - timedelta(days=1),
                tz_follows_recipient=True,
            )
        celebrations.record_win(
            session=session,
            team_id="T1",
            new=celebrations.NewWin(
                kind="deal_signed",
                title="ACME signs",
                source=WinSource.webhook,
                source_ref="bench:acme",
                amount=Decimal("12000"),
                currency="EUR",
                winners=[celebrations.NewWinner(user_id=members[0], name="Winner")],
            ),
            now=now - timedelta(days=2),
        )


def run(args: argparse.Namespace, url: str, workdir: Path) -> None:
    upgrade(url)
    now = datetime.now(UTC)
    members = [f"UM{n:04d}" for n in range(args.members)]
    seed(url, members, args.due, now)
    with FakeSlack(latency_seconds=args.latency) as fake:
        for user in members:
            fake.add_user(user_id=user, tz="UTC", locale="en-US")
        fake.set_rate_limit("chat.postMessage", per_team_per_minute=args.per_minute)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": url,
            "SEND_RATE_PER_MINUTE": str(args.per_minute),
            "SEND_THREADS": str(args.threads),
            "LOG_FORMAT": "json",
        }
        started = time.time()
        clocks = [
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "clock"],
                env=env,
                cwd=workdir,
                stdout=(workdir / f"clock-{n}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            for n in (1, 2)
        ]
        try:
            deadline = started + (args.timeout if args.until_done else args.watch)
            while time.time() < deadline:
                posted = len(fake.calls("chat.postMessage", ok=True))
                if args.until_done and posted >= args.due:
                    time.sleep(3)  # room for a duplicate to show up
                    break
                time.sleep(0.2)
        finally:
            for clock in clocks:
                clock.send_signal(signal.SIGTERM)
            for clock in clocks:
                try:
                    clock.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    clock.kill()
        posts = fake.calls("chat.postMessage", ok=True)
        with session_scope(session_factory(build_engine(url))) as session:
            poster = dict(
                session.execute(
                    select(Delivery.recipient, Delivery.claimed_by).where(Delivery.kind == KIND)
                ).all()
            )
        host = socket.gethostname()[:40]
        by_pid = {f"{host}:{clock.pid}": f"clock {n}" for n, clock in enumerate(clocks, 1)}
        # A worker is host:pid:token (bot/scheduling/workers.py): the clock is its pid.
        poster = {
            recipient: ":".join(worker.split(":")[:2]) if worker else worker
            for recipient, worker in poster.items()
        }
        names = by_pid
        print(
            f"== {args.due} weekly digests due at once among {args.members} members; Slack and "
            f"each clock's pacing at {args.per_minute:.0f} posts/min; {args.threads} sender "
            f"threads per clock (PostgreSQL) =="
        )
        for worker, name in names.items():
            times = sorted(c.at - started for c in posts if poster.get(c.args["channel"]) == worker)
            first = f"+{times[0]:.1f} s" if times else "none"
            in_minute = sum(1 for t in times if t < 60)
            print(
                f"{name}: first post {first} after both started; {in_minute} posts in the first "
                f"minute, {len(times)} in all"
            )
        per_member = Counter(call.args["channel"] for call in posts)
        duplicates = sum(count - 1 for count in per_member.values() if count > 1)
        last = max((c.at - started for c in posts), default=0.0)
        print(
            f"posted {len(per_member)} of {args.due} in {last:.1f} s; duplicates {duplicates}; "
            f"429s from Slack {fake.ratelimited_count}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=150)
    parser.add_argument("--due", type=int, default=146)
    parser.add_argument("--per-minute", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--watch", type=float, default=65.0, help="seconds watched")
    parser.add_argument("--until-done", action="store_true", help="wait for every digest")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    if databases.postgres_unavailable_reason() is not None:
        raise SystemExit(databases.postgres_unavailable_reason())
    with (
        tempfile.TemporaryDirectory() as directory,
        databases.scratch_postgres_database("revops_bench") as url,
    ):
        run(args, url, Path(directory))


if __name__ == "__main__":
    main()
