"""`revops-bot privacy export|erase` record who asked (`--by`, else the OS user), and erasure
warns when SECRET_KEY is not set (pseudonyms are then keyed with a public constant)."""

from __future__ import annotations

import getpass

import pytest
from sqlalchemy import select

from bot.privacy.models import AuditEntry
from bot.privacy.pseudonyms import PUBLIC_KEY, pseudonym
from tests.harness import BotHarness
from tests.intake.helpers import file_request, set_up_intake


def audit_of(bot: BotHarness, action: str) -> list[AuditEntry]:
    with bot.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_without_secret_key_erasure_warns_and_the_os_user_is_recorded(
    bot: BotHarness,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert (
        bot.cli(
            "privacy", "erase", "--team", "T1", "--user", "U1", "--yes", monkeypatch=monkeypatch
        )
        == 0
    )
    lines = capsys.readouterr().err.splitlines()
    told = [line for line in lines if "SECRET_KEY is not set" in line]
    # Once for the operator, once in the log (where it lands with the other log lines).
    assert any(line.startswith("revops-bot: warning:") for line in told), lines
    assert any("WARNING bot.privacy.service" in line for line in told), lines
    (entry,) = audit_of(bot, "erase")
    assert entry.actor == f"cli:{getpass.getuser()}"
    assert entry.subject == pseudonym(team_id="T1", user_id="U1", secret=PUBLIC_KEY)

    assert (
        bot.cli(
            "privacy",
            "export",
            "--team",
            "T1",
            "--user",
            "U3",
            "--by",
            "dpo@initech",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    (export,) = audit_of(bot, "export")
    # The RevOps list in the intake settings names U3.
    assert export.actor == "cli:dpo@initech" and export.details["rows"] >= 1


def test_with_a_secret_key_erasure_is_quiet_and_keyed(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1")
    monkeypatch.setenv("SECRET_KEY", "a long passphrase nobody guesses")
    assert (
        bot.cli(
            "privacy",
            "erase",
            "--team",
            "T1",
            "--user",
            "U1",
            "--yes",
            "--by",
            "dpo",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert "SECRET_KEY" not in capsys.readouterr().err
    (entry,) = audit_of(bot, "erase")
    keyed = pseudonym(team_id="T1", user_id="U1", secret="a long passphrase nobody guesses")
    assert entry.subject == keyed != pseudonym(team_id="T1", user_id="U1", secret=None)
