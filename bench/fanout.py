"""Fan-out of the weekly digest to 1,000 members, against Slack's rate limits.

    python bench/fanout.py [--members 1000] [--per-minute 600] [--latency 0.05]

Seeds a workspace of N members (in the fake Slack's users.list) and a week of wins (through
the celebrations service), then runs `revops-bot jobs run weekly-digest` as its own process,
against the fake Slack Web API answering in --latency seconds and refusing (429 + Retry-After)
more than --per-minute chat.postMessage per workspace or one per second per channel. The bot's
pacing is set to the same limits. Prints the wall time next to the floor those limits impose
(computed here), messages per second, the process's peak memory, and duplicates (must be 0).

Then the scheduler's cost of finding due work: one tick of the digest's planning among 10,000
schedules (SQLite), median and p99 over repeated runs, each rolled back.

The workspace limit Slack applies to chat.postMessage is "several hundred per minute" and not
published exactly; 600/min keeps this run near two minutes. Any value can be given.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
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

from bot.celebrations import service as celebrations  # noqa: E402
from bot.celebrations.models import WinSource  # noqa: E402
from bot.db import build_engine, session_factory, session_scope  # noqa: E402
from bot.db.migrations import upgrade  # noqa: E402
from bot.digests.jobs import WeeklyDigest  # noqa: E402
from bot.scheduling.cadence import Cadence, Frequency  # noqa: E402
from bot.scheduling.kinds import JobContext  # noqa: E402
from bot.scheduling.service import save_schedule  # noqa: E402
from bot.slack.sender import RateLimits  # noqa: E402
from bot.workspaces.service import MemberProfile, ensure_workspace, save_member  # noqa: E402
from tests.harness import BOT_TOKEN, SIGNING_SECRET  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

MONDAY = datetime(2026, 11, 30, 18, tzinfo=UTC)  # past 09:00 everywhere from Asia to the Americas
ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Europe/London", "America/Chicago"]


def seed_wins(url: str, members: list[str], wins: int) -> None:
    factory = session_factory(build_engine(url))
    created = MONDAY - timedelta(days=3)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
        for number in range(wins):
            winner = random.Random(number).choice(members)
            celebrations.record_win(
                session=session,
                team_id="T1",
                new=celebrations.NewWin(
                    kind="deal_signed",
                    title=f"Deal {number}",
                    source=WinSource.webhook,
                    source_ref=f"bench:{number}",
                    winners=[celebrations.NewWinner(user_id=winner, name=winner)],
                    amount=Decimal(1000 + number),
                    currency="EUR",
                ),
                now=created,
            )


def run_fanout(args: argparse.Namespace, workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'fanout.db'}"
    upgrade(url)
    members = [f"U{n:05d}" for n in range(args.members)]
    seed_wins(url, members, wins=args.wins)
    limits = RateLimits(per_channel_per_second=1.0, per_team_per_minute=args.per_minute)
    with FakeSlack(latency_seconds=args.latency) as fake:
        for n, user in enumerate(members):
            fake.add_user(
                user_id=user,
                real_name=f"Member {n}",
                tz=ZONES[n % len(ZONES)],
                locale="fr-FR" if n % 3 == 0 else "en-US",
            )
        fake.set_rate_limit(
            "chat.postMessage",
            per_team_per_minute=args.per_minute,
            per_channel_per_second=1,
            burst=limits.team_burst,
        )
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
        command = [
            sys.executable,
            "-m",
            "bot.cli",
            "jobs",
            "run",
            "weekly-digest",
            "--team",
            "T1",
            "--now",
            MONDAY.isoformat(),
        ]
        started = time.perf_counter()
        result = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"jobs run failed ({result.returncode}): {result.stderr[-2000:]}")
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        posts = [call.args["channel"] for call in fake.calls("chat.postMessage", ok=True)]
        per_member = Counter(posts)
        duplicates = sum(count - 1 for count in per_member.values() if count > 1)
        missing = len(set(members) - set(per_member))
        second = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True)
        resent = len(fake.calls("chat.postMessage", ok=True)) - len(posts)
        floor = limits.floor_seconds(len(members), len(members))
        print(f"== weekly digest to {len(members)} members, {args.wins} wins in the week ==")
        print(
            f"limits: {args.per_minute:.0f} chat.postMessage/min per workspace (burst "
            f"{limits.team_burst}), 1/s per channel; fake API latency {args.latency * 1000:.0f} ms"
        )
        print(f"wall time      {wall:8.1f} s   (process start to exit, `revops-bot jobs run`)")
        print(f"floor          {floor:8.1f} s   (what the limits allow at best)")
        print(f"ratio          {wall / floor:8.2f}")
        print(f"throughput     {len(posts) / wall:8.1f} messages/s")
        print(f"peak memory    {peak_kib / 1024:8.1f} MiB (the jobs run process, max RSS)")
        print(f"429s from Slack {fake.ratelimited_count:7d}")
        print(f"duplicates     {duplicates:8d}   missing {missing}")
        print(f"second run     {resent:8d} messages   ({second.stdout.strip()})")


def tick_cost(args: argparse.Namespace, workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'tick.db'}"
    upgrade(url)
    engine = build_engine(url)
    factory = session_factory(engine)
    planned_at = MONDAY - timedelta(hours=12)  # the previous tick planned everything up to here
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
        for n in range(args.schedules):
            user = f"U{n:06d}"
            tz = ZONES[n % len(ZONES)]
            save_member(
                session=session,
                team_id="T1",
                now=planned_at,
                profile=MemberProfile(
                    user_id=user,
                    name=user,
                    tz=tz,
                    locale="en-US",
                    is_admin=False,
                    is_owner=False,
                    is_bot=False,
                    deleted=False,
                ),
            )
            # 1 % of the members have their digest due at this tick; the others next week.
            weekday = MONDAY.weekday() if n % 100 == 0 else (MONDAY.weekday() + 3) % 7
            save_schedule(
                session=session,
                team_id="T1",
                kind="weekly-digest",
                subject=user,
                recipient=user,
                now=planned_at,
                tz_follows_recipient=True,
                cadence=Cadence(Frequency.weekly, hour=9, weekday=weekday, tz=tz),
            )
    kind = WeeklyDigest()
    batch = kind.plan_batch or 1
    samples, due, batches = [], 0, 0
    for _ in range(args.ticks):
        session = factory()
        started = time.perf_counter()
        due = batches = 0
        while True:  # batch after batch, as the runner plans (here in one session)
            items = kind.plan(
                JobContext(session=session, now=MONDAY, services=None),  # type: ignore[arg-type]
                team_id=None,
                forced=False,
            )
            due, batches = due + len(items), batches + 1
            if len({(item.team_id, item.subject) for item in items}) < batch:
                break
        samples.append((time.perf_counter() - started) * 1000)
        session.rollback()
        session.close()
    samples.sort()
    print(f"\n== one scheduler tick among {args.schedules} digest schedules (SQLite) ==")
    print(
        f"due at this tick: {due} (planned in {batches} batches of up to {batch}); "
        f"plan p50 {statistics.median(samples):.1f} ms, "
        f"p99 {samples[min(len(samples) - 1, int(0.99 * len(samples)))]:.1f} ms "
        f"over {args.ticks} ticks (each rolled back)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--wins", type=int, default=100)
    parser.add_argument("--per-minute", type=float, default=600.0)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--ticks", type=int, default=30)
    args = parser.parse_args()
    # The fake Slack keeps every call in this process; keep its garbage collector from pausing it.
    gc.disable()
    with tempfile.TemporaryDirectory() as directory:
        run_fanout(args, Path(directory))
        tick_cost(args, Path(directory))


if __name__ == "__main__":
    main()
