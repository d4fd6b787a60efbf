"""`revops-bot jobs list` and `jobs run` as operators use them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.harness import BotHarness


def test_jobs_list_shows_every_kind_and_each_workspaces_next_run(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bot.runtime.runner.tick("weekly-digest", now=datetime(2026, 11, 24, 12, tzinfo=UTC))
    assert bot.cli("jobs", "list", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    for kind in (
        "weekly-digest",
        "intake-sla-nudge",
        "project-checkin",
        "celebrations-gazette",
        "privacy-retention",
    ):
        assert f"\n{kind}: ticks every" in f"\n{out}", kind
    digest = out.split("weekly-digest")[1]
    # The first of the three is Bruno in Paris, on Monday 30 November at 09:00 his time.
    assert (
        "T1: 3 schedules, every Monday at 09:00 (each recipient's time zone); "
        "next run 2026-11-30 08:00 UTC"
    ) in digest


def test_jobs_run_refuses_an_unknown_kind_with_the_known_ones(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bot.cli("jobs", "run", "weekly-digets", monkeypatch=monkeypatch) == 2
    error = capsys.readouterr().err
    assert "unknown job kind 'weekly-digets'" in error and "weekly-digest" in error
