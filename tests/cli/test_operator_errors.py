"""Operators' commands during an incident: Slack or the database unreachable, a typo in a team
id. One line naming what is wrong, a non-zero exit, never a traceback (unless --debug)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.privacy.models import AuditEntry
from tests.harness import BOT_TOKEN, SIGNING_SECRET, BotHarness
from tests.intake.helpers import file_request, set_up_intake

NOWHERE = "http://127.0.0.1:1/api/"  # nothing listens on port 1: connection refused


@pytest.fixture
def slack_down(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """The environment of a process whose Slack is unreachable (its database is fine)."""
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": NOWHERE,
        "DATABASE_URL": database_url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    return database_url


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("revops-bot:")]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    return lines[0]


def test_jobs_list_needs_no_slack(slack_down: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "list"]) == 0
    captured = capsys.readouterr()
    assert "\nweekly-digest: ticks every minute" in f"\n{captured.out}"
    assert "Traceback" not in captured.err


def test_jobs_run_refuses_an_unknown_kind_before_any_slack_call(
    slack_down: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs", "run", "no-such-kind"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "unknown job kind 'no-such-kind'" in line and "weekly-digest" in line


@pytest.mark.parametrize("command", [["jobs", "run", "weekly-digest"], ["serve"], ["clock"]])
def test_a_command_that_needs_slack_says_it_is_unreachable(
    slack_down: str, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"revops-bot: Slack unreachable at {NOWHERE}: ")
    assert "Connection refused" in line


@pytest.mark.parametrize("debug", [["--debug", "jobs", "run"], ["jobs", "run", "--debug"], None])
def test_debug_shows_the_traceback(
    slack_down: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    debug: list[str] | None,
) -> None:
    if debug is None:
        monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    args = [*(debug or ["jobs", "run"]), "weekly-digest"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"revops-bot: Slack unreachable at {NOWHERE}" in err
    assert "Traceback (most recent call last)" in err and "Connection refused" in err


@pytest.mark.parametrize(
    "command",
    [
        ["jobs", "list"],
        ["jobs", "run", "weekly-digest"],
        ["privacy", "export", "--team", "T1", "--user", "U1"],
        ["privacy", "erase", "--team", "T1", "--user", "U1"],
    ],
)
def test_an_unreachable_database_is_one_line_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", NOWHERE)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://revops:hunter2@127.0.0.1:1/revops")
    assert main(command) == 1
    line = one_line(capsys.readouterr().err)
    assert "database unreachable at postgresql+psycopg://revops:***@127.0.0.1:1/revops" in line
    assert "hunter2" not in line


def test_a_database_without_the_schema_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["privacy", "export", "--team", "T1", "--user", "U1"]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"revops-bot: database error at sqlite:///{tmp_path / 'empty.db'}: ")
    assert "no such table" in line


# ---------------------------------------------------------------- privacy: typos in ids


def audit_rows(bot: BotHarness) -> list[AuditEntry]:
    with bot.session() as session:
        return list(session.scalars(select(AuditEntry)))


@pytest.mark.parametrize("action", ["export", "erase"])
def test_privacy_on_an_unknown_workspace_names_the_known_ones_and_writes_nothing(
    bot: BotHarness,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1")
    bot.idle()  # filing's own writes after the ack are done
    before = bot.row_counts()
    assert bot.cli("privacy", action, "--team", "T9", "--user", "U1", monkeypatch=monkeypatch) == 2
    captured = capsys.readouterr()
    assert one_line(captured.err) == "revops-bot: unknown workspace T9 (known: T1)"
    assert captured.out == ""
    assert bot.row_counts() == before


def test_an_unknown_user_in_a_known_workspace_is_said_plainly(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1")
    assert (
        bot.cli("privacy", "export", "--team", "T1", "--user", "U404", monkeypatch=monkeypatch) == 0
    )
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["tables"] == {}
    assert "never saw this user" in document["note"] and "mistyped" in document["note"]
    assert "never saw this user" in captured.err

    # Erasing twice stays harmless: the second time there is nothing left, and it says so.
    for _ in range(2):
        assert (
            bot.cli(
                "privacy", "erase", "--team", "T1", "--user", "U1", "--yes", monkeypatch=monkeypatch
            )
            == 0
        )
    out = capsys.readouterr().out
    assert out.count("nothing named U1 in workspace T1") == 1
    assert [entry.action for entry in audit_rows(bot)].count("erase") == 2
