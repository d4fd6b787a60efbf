"""The CLI explains itself: every command's --help has a description and examples; `jobs
list` reads as English; `privacy erase` asks before it erases; `jobs run` shows its progress
on a terminal and one line otherwise. Terminals are real pseudo-terminals (pty)."""

from __future__ import annotations

import argparse
import io
import os
import pty
import re
import select as io_select
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import _parser
from bot.privacy.models import AuditEntry
from bot.workspaces.models import Member
from tests.cli.test_commands import revops_bot
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    file_request,
    set_up_intake,
    working_days_from_now,
)


def every_command(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(every_command(sub))
    return found


@pytest.mark.parametrize("command", every_command(_parser()), ids=lambda p: p.prog)
def test_every_command_has_a_description_and_an_example(
    command: argparse.ArgumentParser,
) -> None:
    text = command.format_help()
    assert command.description and len(command.description) > 40, text
    examples = text.split("examples:\n", 1)[1].splitlines()
    assert examples and all(
        line.startswith("  revops-bot") or "revops-bot " in line
        for line in examples
        if line.strip()
    ), text
    # An example names this very command (`revops-bot jobs run ...` under `jobs run`).
    name = command.prog.removeprefix("revops-bot").strip()
    assert any(f"revops-bot {name}".strip() in line for line in examples), text


def test_jobs_list_reads_as_english(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_up_intake(bot)  # schedules the weekly run report in the team's time zone
    assert bot.cli("jobs", "list", monkeypatch=monkeypatch) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    report = lines.index("intake-run-report: ticks every minute, grace 1 day")
    assert re.fullmatch(
        r"    T1: 1 schedule, every Monday at 09:00 \(Europe/Paris\); "
        r"next run \d{4}-\d\d-\d\d \d\d:\d\d UTC",
        lines[report + 1],
    ), out
    assert "home: ticks every 15 seconds, grace 7 days" in lines
    assert "weekly-digest: ticks every minute, grace 6 days" in lines
    assert "schedules" not in out and "0:00:00" not in out and "1 days" not in out


def erasures(bot: BotHarness) -> int:
    with bot.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "erase")
            )
            or 0
        )


def member_named(bot: BotHarness, user: str) -> bool:
    with bot.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Member)
                .where(Member.team_id == "T1", Member.user_id == user)
            )
            == 1
        )


def test_erase_from_a_script_without_yes_erases_nothing_and_says_why(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1")
    bot.idle()
    before = bot.row_counts()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: stdin is no terminal
    status = bot.cli("privacy", "erase", "--team", "T1", "--user", "U1", monkeypatch=monkeypatch)
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "revops-bot: nothing erased: erasing U1 cannot be undone, and standard input is not a "
        "terminal to ask on; pass --yes to erase from a script"
    )
    assert bot.row_counts() == before and member_named(bot, "U1")


def run_on_a_terminal(
    args: list[str], env: dict[str, str], cwd: Path, *, typed: str | None = None
) -> tuple[int, str]:
    """Run `revops-bot ARGS` with stdin and stderr on a pseudo-terminal (stdout too: input()
    writes its prompt there); type `typed` once the prompt shows. Returns the exit status and
    everything the terminal showed."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        revops_bot(*args), env=env, cwd=cwd, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = io_select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if typed is not None and b"Type " in shown:
                os.write(master, typed.encode() + b"\n")
                typed = None
        elif process.poll() is not None:
            break
    status = process.wait(timeout=30)
    os.close(master)
    return status, shown.decode(errors="replace")


def test_erase_on_a_terminal_asks_for_the_user_id(bot: BotHarness, tmp_path: Path) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1")
    bot.idle()
    env = {"PATH": os.environ["PATH"], **bot.environment}
    args = ["privacy", "erase", "--team", "T1", "--user", "U1"]

    status, shown = run_on_a_terminal(args, env, tmp_path, typed="U2")  # a slip
    assert status == 1, shown
    assert re.search(r"Erase U1 in workspace T1\? \d+ rows name U1\. This cannot be undone", shown)
    assert "nothing erased: U1 was not typed" in shown
    assert erasures(bot) == 0 and member_named(bot, "U1")

    status, shown = run_on_a_terminal(args, env, tmp_path, typed="U1")
    assert status == 0, shown
    assert "U1 is now X" in shown
    assert erasures(bot) == 1 and not member_named(bot, "U1")


def test_jobs_run_shows_progress_on_a_terminal_and_one_line_otherwise(
    bot: BotHarness,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    set_up_intake(bot)
    file_request(bot)  # the week's report has something to say
    cards = len(bot.fake.calls("chat.postMessage"))
    env = {"PATH": os.environ["PATH"], **bot.environment}
    report_time = working_days_from_now(1).isoformat()
    status, shown = run_on_a_terminal(
        ["jobs", "run", "intake-run-report", "--now", report_time], env, tmp_path
    )
    assert status == 0, shown
    assert re.search(r"\rintake-run-report: sent 1 / 1 planned, \d+\.\d/s, 0 errors", shown)
    # Log lines clear the progress line first, then it is drawn again below them.
    assert "errors2026" not in shown and "INFO bot.jobs job tick" in shown
    assert "intake-run-report: planned=1 skipped=0 sent=1" in shown
    posts = bot.fake.calls("chat.postMessage")[cards:]
    assert [call.args["channel"] for call in posts] == [INTAKE_CHANNEL]

    # A script (stdout and stderr captured, no terminal): the summary line alone.
    assert (
        bot.cli(
            "jobs",
            "run",
            "intake-run-report",
            "--now",
            "2026-12-07T09:00:00+01:00",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "intake-run-report: planned=0 skipped=0 sent=0 retrying=0 failed=0 nothing_to_say=0 "
        "recovered=0 deferred=0 lost=0"
    ]
    assert "/s," not in captured.err
