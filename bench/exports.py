"""CSV export of many requests: time and peak memory of `revops-bot export requests`.

    python bench/exports.py [--database-url URL] [--rows 100000 ...]

Fills a fresh database (SQLite file by default, or an empty PostgreSQL database) with one
workspace and N delivered requests (each with its accepted and done events), then runs the
real command in a child process per size and reports its wall time and peak resident memory
(getrusage of the child). Memory that stays flat as N grows is the streaming working.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert  # noqa: E402

from bot.db import build_engine, session_factory, session_scope  # noqa: E402
from bot.db.migrations import upgrade  # noqa: E402
from bot.intake.models import IntakeRequest, RequestEvent  # noqa: E402
from bot.workspaces.service import ensure_workspace  # noqa: E402

CHUNK = 5000


def fill(url: str, rows: int) -> None:
    engine = build_engine(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope(session_factory(engine)) as session:
        ensure_workspace(session=session, team_id="T1", name="Bench")
        session.execute(delete(RequestEvent))
        session.execute(delete(IntakeRequest))
    for first in range(0, rows, CHUNK):
        numbers = range(first, min(first + CHUNK, rows))
        with session_scope(session_factory(engine)) as session:
            session.execute(
                insert(IntakeRequest),
                [
                    {
                        "id": n + 1,
                        "team_id": "T1",
                        "number": n + 1,
                        "requester_id": f"U{n % 500:04d}",
                        "title": f"Pipeline report for region {n % 40}, quarter {n % 4 + 1}",
                        "need": "To prepare the quarterly business review " * 4,
                        "impact": "slows_team",
                        "beneficiary": "my_team",
                        "category": "report",
                        "status": "done",
                        "created_at": start + timedelta(minutes=n),
                        "touched_at": start + timedelta(minutes=n),
                        "first_response_at": start + timedelta(minutes=n + 30),
                        "estimate_hours": 1.5 + n % 8,
                        "eta_told": (start + timedelta(days=2, minutes=n)).date(),
                    }
                    for n in numbers
                ],
            )
            session.execute(
                insert(RequestEvent),
                [
                    {
                        "team_id": "T1",
                        "request_id": n + 1,
                        "from_status": before,
                        "to_status": after,
                        "created_at": start + timedelta(minutes=n, hours=hours),
                    }
                    for n in numbers
                    for before, after, hours in (("new", "accepted", 1), ("accepted", "done", 40))
                ],
            )
    engine.dispose()


def run_export(url: str, out: Path) -> tuple[float, int]:
    """(seconds, peak RSS in KiB) of one `revops-bot export requests` process."""
    env = {**os.environ, "DATABASE_URL": url}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "requests", "--team", "T1", "--out", str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"export failed: {done.stderr.strip()}")
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: run sizes in increasing order.
    return elapsed, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: a temp SQLite file)")
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url)
        print(f"database: {url.split('@')[-1]}")
        columns = ("rows", 8), ("fill s", 7), ("export s", 9), ("rows/s", 8), ("peak RSS MiB", 13)
        print(" ".join(f"{name:>{width}}" for name, width in columns), f"{'file MB':>8}")
        for rows in sorted(args.rows):
            began = time.perf_counter()
            fill(url, rows)
            filled = time.perf_counter() - began
            out = Path(scratch) / f"requests-{rows}.csv"
            elapsed, peak_kib = run_export(url, out)
            print(
                f"{rows:>8} {filled:>7.1f} {elapsed:>9.1f} {rows / elapsed:>8.0f} "
                f"{peak_kib / 1024:>13.1f} {out.stat().st_size / 1e6:>8.1f}"
            )


if __name__ == "__main__":
    main()
