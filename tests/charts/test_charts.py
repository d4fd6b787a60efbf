"""The charts themselves: nothing to chart gives no chart; labels in the reader's language;
matplotlib stays out of the processes that draw nothing (the web app, the CLI)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from bot.charts import draw
from bot.charts.series import KpiSeries, ProjectSeries, RunWeek, WinWeek
from bot.i18n import translator

START = datetime(2026, 9, 7, tzinfo=UTC)
EN, FR = translator("en"), translator("fr")


def _project(name: str, values: list[float]) -> ProjectSeries:
    return ProjectSeries(
        name=name,
        kpis=[
            KpiSeries(
                "Win rate",
                "%",
                20,
                30,
                [(START + timedelta(weeks=n), value) for n, value in enumerate(values)],
            )
        ],
        milestones=[(date(2026, 10, 1), "GO/NO-GO Germany")],
    )


def _is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_nothing_to_chart_draws_nothing() -> None:
    assert draw.flash_report_chart(EN, [], week_of=date(2026, 11, 30)) is None
    no_values = ProjectSeries(name="P", kpis=[KpiSeries("K", "", 0, 1)])
    assert draw.flash_report_chart(EN, [no_values], week_of=date(2026, 11, 30)) is None
    quiet = [RunWeek(date(2026, 11, 2), 0, 20, 0, 0, 0, None)] * 8
    assert draw.run_report_chart(EN, quiet) is None
    assert draw.gazette_wins_chart(EN, [WinWeek(date(2026, 11, 2), 0)] * 13) is None


def test_a_flash_chart_per_project_or_one_for_the_portfolio_in_french() -> None:
    few = draw.flash_report_chart(FR, [_project("CPQ", [20, 22.5, 25])], week_of=date(2026, 11, 30))
    assert few is not None and _is_png(few.png)
    assert few.title == "KPI face à leurs cibles, semaine du 30 nov. 2026"
    assert "CPQ: Win rate à 25\u00a0% (référence 20\u00a0%, cible 30\u00a0%)" in few.alt_text
    assert "jalon GO/NO-GO Germany le 1 oct. 2026" in few.alt_text
    many = [_project(f"P{n:03d}", [20, 20 + n % 15]) for n in range(200)]
    portfolio = draw.flash_report_chart(EN, many, week_of=date(2026, 11, 30))
    assert portfolio is not None and _is_png(portfolio.png)
    assert "200 projects with KPI values" in portfolio.alt_text
    assert len(portfolio.alt_text) <= 1000  # Slack's limit for alt_txt


def test_run_and_wins_charts_carry_their_figures_in_the_alt_text() -> None:
    weeks = [
        RunWeek(date(2026, 10, 5) + timedelta(weeks=n), 10 + n, 20, 1 + n, n, 1, 0.125)
        for n in range(8)
    ]
    run = draw.run_report_chart(FR, weeks)
    assert run is not None and _is_png(run.png)
    assert "17 heures de run sur 20 ; 8 demandes reçues" in run.alt_text
    assert "12,5\u00a0% de réponses dans le délai" in run.alt_text
    wins = draw.gazette_wins_chart(EN, [WinWeek(date(2026, 10, 5), 1)])
    assert wins is not None and _is_png(wins.png)
    assert wins.alt_text.startswith("Wins per week this quarter: 1 win in 1 weeks")


def test_the_web_app_and_the_cli_start_without_matplotlib() -> None:
    code = (
        "import sys, bot.cli, bot.runtime, bot.web, bot.projects.jobs, bot.intake.jobs, "
        "bot.celebrations.jobs; print('matplotlib' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"
