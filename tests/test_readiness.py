"""/readyz answers within a second whatever another process does to the database: ready while
someone writes, 503 with the reason when the database keeps readers out."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from tests.harness import BotHarness

WITHIN = 1.5  # the check's second, plus HTTP on a loaded machine


def sqlite_file(bot: BotHarness) -> str:
    url = bot.runtime.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("a SQLite lock (this run tests PostgreSQL)")
    assert url.database
    return url.database


@contextmanager
def sqlite_lock(path: str, *, readers_too: bool) -> Iterator[None]:
    """Another process's connection holding the write lock, and with `readers_too` an exclusive
    locking mode that keeps readers out as well, mid-transaction."""
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        if readers_too:
            other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE" if readers_too else "BEGIN IMMEDIATE")
        other.execute("UPDATE alembic_version SET version_num = version_num")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_ready_at_once_while_another_process_holds_the_write_lock(bot: BotHarness) -> None:
    with sqlite_lock(sqlite_file(bot), readers_too=False):
        answer = bot.get("/readyz")
    assert (answer.status, answer.json) == (200, {"status": "ready"})
    assert answer.elapsed < WITHIN


def test_a_database_that_keeps_readers_out_is_503_within_a_second(bot: BotHarness) -> None:
    with sqlite_lock(sqlite_file(bot), readers_too=True):
        answer = bot.get("/readyz")
        assert answer.elapsed < WITHIN
        assert answer.status == 503 and answer.json["status"] == "unavailable"
        assert answer.json["reason"].startswith("database busy: database is locked")
        again = bot.get("/readyz")  # the next probe does not queue behind the first
        assert again.status == 503 and again.elapsed < WITHIN
    assert bot.get("/readyz").status == 200


def test_a_locked_schema_table_on_postgresql_is_503_within_a_second(bot: BotHarness) -> None:
    url = bot.runtime.engine.url
    if url.get_backend_name() != "postgresql":
        pytest.skip("a PostgreSQL lock (this run tests SQLite)")
    other = create_engine(url)
    try:
        with other.connect() as connection, connection.begin():
            connection.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
            answer = bot.get("/readyz")
            assert answer.elapsed < WITHIN
            assert answer.status == 503 and answer.json["reason"].startswith("database busy")
    finally:
        other.dispose()
    assert bot.get("/readyz").status == 200
