"""`revops-bot db current` and `db upgrade` as an operator runs them before and after a release."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.db import build_engine
from bot.db.migrations import expected_heads, upgrade
from tests.cli.test_commands import clean_env, run


def test_current_on_an_empty_database_lists_what_upgrade_would_apply(tmp_path: Path) -> None:
    result = run("db", "current", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "database sqlite:///revops-bot.db"
    assert lines[1] == "    no revision: an empty database"
    assert lines[2].startswith("at head: no, 20 revisions to apply (0001, 0002, 0003,")
    assert lines[2].endswith("): run `revops-bot db upgrade`")
    assert result.stderr == ""


def test_current_after_upgrade_is_at_head_with_each_branch_named(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}")
    assert run("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    result = run("db", "current", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "at head: yes"
    shown = {line.split()[0] for line in lines[1:-1]}
    assert shown == set(expected_heads())
    assert (
        "    0009 (send_budgets: Slack's rate limits shared by every process that sends)" in lines
    )


def test_current_part_way_names_the_pending_revisions_in_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url, "0008")
    result = run("db", "current", env=clean_env(DATABASE_URL=url), cwd=tmp_path)
    assert result.returncode == 1
    # 0008 needs 0007 and 0006; the domain branches and 0009 are still to come.
    assert result.stdout.splitlines()[-1] == (
        "at head: no, 12 revisions to apply "
        "(i001, i002, i003, i004, d001, c001, c002, c003, p001, v001, v002, 0009)"
        ": run `revops-bot db upgrade`"
    ), result.stdout
    assert "    0008 (the outbox: " in result.stdout


def test_a_database_from_a_newer_version_is_named_and_upgrade_refuses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    engine = build_engine(url)
    with engine.begin() as connection:  # what a later release's migration would leave
        connection.execute(
            text("UPDATE alembic_version SET version_num = 'z001' WHERE version_num = '0009'")
        )
    engine.dispose()
    env = clean_env(DATABASE_URL=url)
    current = run("db", "current", env=env, cwd=tmp_path)
    assert current.returncode == 1
    assert "    z001 (unknown to this version)" in current.stdout.splitlines()
    assert current.stdout.splitlines()[-1].startswith(
        "at head: no, revision z001 is not one this version of revops-bot ships"
    )
    upgraded = run("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 1
    assert upgraded.stderr.strip().splitlines() == [
        f"revops-bot: database at {url} is at revision z001, which this version of revops-bot "
        "does not ship: a newer version upgraded it (see `revops-bot db current`)"
    ]


def test_current_against_an_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    env = clean_env(DATABASE_URL="postgres://revops:hunter2@127.0.0.1:1/revops")
    result = run("db", "current", env=env, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "postgresql+psycopg://revops:***@127.0.0.1:1/revops" in lines[0]
    assert "hunter2" not in result.stderr + result.stdout
