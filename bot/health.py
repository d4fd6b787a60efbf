"""GET /readyz: does the database answer, and is its schema at the migrations' head?

Answered within READY_WITHIN_SECONDS whatever the database does. The bot's own engine is no use
here: on SQLite every transaction begins with BEGIN IMMEDIATE and waits up to 30 s for the write
lock, so a probe would hang behind any long write. The probe has its own engine instead:

- SQLite: its own connection per probe, read-only (`PRAGMA query_only`), no BEGIN at all, and a
  short busy timeout. In WAL mode a reader never waits for a writer, so a held write lock does
  not make the bot "unready"; only a lock that keeps readers out (an exclusive locking mode, a
  recovery) does, and then the answer is a quick 503 saying the database is busy.
- PostgreSQL: a short connect timeout, and statement and lock timeouts, read-only.

A probe that still gets no answer is given up after READY_WITHIN_SECONDS (503); it is not
started again until it ends, so a hung database never piles up probe threads.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.db.migrations import expected_heads

READY_WITHIN_SECONDS = 1.0
QUERY_TIMEOUT_MS = 500
CONNECT_TIMEOUT_SECONDS = 2  # libpq's smallest; the overall deadline still applies

_BUSY = ("database is locked", "database table is locked", "lock timeout", "statement timeout")


class Readiness:
    """The readiness check of one web process."""

    def __init__(self, engine: Engine) -> None:
        self._engine = probe_engine(engine)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz")
        self._lock = threading.Lock()
        self._running: Future[str | None] | None = None

    def problem(self) -> str | None:
        """None when ready; else the reason, in one short phrase."""
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(readiness_problem, self._engine)
            running = self._running
        try:
            return running.result(timeout=READY_WITHIN_SECONDS)
        except FutureTimeout:
            return f"database did not answer within {READY_WITHIN_SECONDS:g} s"


def readiness_problem(engine: Engine) -> str | None:
    """None when the database answers and its schema is at the migrations' head."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except OperationalError as exc:
        cause = getattr(exc, "orig", None) or exc
        if any(sign in str(cause).lower() for sign in _BUSY):
            return f"database busy: {str(cause).strip().splitlines()[0][:120]}"
        return f"database unreachable: {type(cause).__name__}"
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(getattr(exc, 'orig', None) or exc).__name__}"
    expected = expected_heads()
    if current != expected:
        have = ", ".join(sorted(current)) or "none"
        return f"migrations not at head (database at {have}; run `revops-bot db upgrade`)"
    return None


def probe_engine(engine: Engine) -> Engine:
    """A read-only engine on the same database that gives up quickly."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return engine  # an in-memory database exists only in the bot's own connections
        probe = create_engine(url, poolclass=NullPool, connect_args={"timeout": 0.5})
        event.listen(probe, "connect", _read_only_sqlite)
        return probe
    options = (
        f"-c statement_timeout={QUERY_TIMEOUT_MS} -c lock_timeout={QUERY_TIMEOUT_MS} "
        "-c default_transaction_read_only=on"
    )
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": options},
    )


def _read_only_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no BEGIN: each statement reads on its own
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={QUERY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
