"""Drawing the reports' charts: time and peak memory.

    python bench/charts.py [--projects 200] [--out docs/charts]

In a fresh process (so matplotlib's import is counted, as the first report of a process pays
it): the flash report's chart for N projects (3 KPIs each, 12 weekly values, a milestone; one
portfolio figure past 6 projects), for 6 projects (one panel each), the run report's 8 weeks
and the gazette's 13 weeks. Reports wall time per chart, the PNG's size, the Python heap's
peak (tracemalloc) and the process's peak resident memory. With --out, saves each PNG (in
English and French) for readers of the docs.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.charts import draw  # noqa: E402
from bot.charts.series import Chart, KpiSeries, ProjectSeries, RunWeek, WinWeek  # noqa: E402
from bot.i18n import translator  # noqa: E402

WEEK_OF = date(2026, 11, 30)
START = datetime(2026, 9, 7, 9, tzinfo=UTC)


def projects(count: int) -> list[ProjectSeries]:
    kpis = [
        ("Win rate", "%", 20.0, 30.0),
        ("Cycle time", "days", 40.0, 25.0),
        ("Adoption", "%", 5.0, 80.0),
    ]
    return [
        ProjectSeries(
            name=f"Roll-out {n + 1:03d}"
            if count > 6
            else [
                "CPQ roll-out",
                "E-signature",
                "Territory plan",
                "Forecast hygiene",
                "Renewals playbook",
                "Partner portal",
            ][n % 6],
            kpis=[
                KpiSeries(
                    name,
                    unit,
                    baseline,
                    target,
                    [
                        (
                            START + timedelta(weeks=w),
                            baseline
                            + (target - baseline)
                            * min(1.2, (w + 1) * (0.04 + (n * 7 + k * 3) % 9 / 100)),
                        )
                        for w in range(12)
                    ],
                )
                for k, (name, unit, baseline, target) in enumerate(kpis)
            ],
            milestones=[(date(2026, 10, 12) + timedelta(days=n % 30), "GO/NO-GO Germany")],
        )
        for n in range(count)
    ]


def run_weeks() -> list[RunWeek]:
    return [
        RunWeek(
            date(2026, 10, 5) + timedelta(weeks=w),
            12 + (w * 5) % 11,
            20,
            9 + w % 4 * 3,
            8 + w % 3 * 3,
            2 + w % 3,
            0.92 - w * 0.04,
        )
        for w in range(8)
    ]


def win_weeks() -> list[WinWeek]:
    return [WinWeek(date(2026, 9, 7) + timedelta(weeks=w), (w * 5 + 3) % 9) for w in range(13)]


def measure(name: str, drawing: Callable[[], Chart | None]) -> Chart:
    tracemalloc.start()
    began = time.perf_counter()
    chart = drawing()
    elapsed = time.perf_counter() - began
    heap = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert chart is not None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = len(chart.png) / 1024
    print(
        f"{name:<34} {elapsed * 1000:>8.0f} ms {size:>8.0f} KiB "
        f"{heap / 2**20:>9.1f} MiB {rss:>9.1f} MiB"
    )
    return chart


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--out", type=Path, help="save the PNGs here")
    args = parser.parse_args()
    en = translator("en")
    print(f"{'chart':<34} {'time':>11} {'PNG':>12} {'heap peak':>13} {'peak RSS':>13}")
    many = projects(args.projects)
    drawn = {
        "flash-portfolio": measure(
            f"flash report, {args.projects} projects (first)",
            lambda: draw.flash_report_chart(en, many, week_of=WEEK_OF),
        ),
    }
    measure(
        f"flash report, {args.projects} projects (again)",
        lambda: draw.flash_report_chart(en, many, week_of=WEEK_OF),
    )
    few = projects(4)
    drawn["flash-projects"] = measure(
        "flash report, 4 projects", lambda: draw.flash_report_chart(en, few, week_of=WEEK_OF)
    )
    drawn["run-report"] = measure(
        "run report, 8 weeks", lambda: draw.run_report_chart(en, run_weeks())
    )
    drawn["gazette-wins"] = measure(
        "gazette, 13 weeks", lambda: draw.gazette_wins_chart(en, win_weeks())
    )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        fr = translator("fr")
        french = {
            "flash-projects": draw.flash_report_chart(fr, few, week_of=WEEK_OF),
            "run-report": draw.run_report_chart(fr, run_weeks()),
        }
        for name, chart in [*drawn.items(), *((f"{k}.fr", v) for k, v in french.items())]:
            assert chart is not None
            (args.out / f"{name}.png").write_bytes(chart.png)
            (args.out / f"{name}.alt.txt").write_text(chart.alt_text + "\n", encoding="utf-8")
        print(f"saved to {args.out}")


if __name__ == "__main__":
    main()
