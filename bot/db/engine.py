from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from bot.textsearch import index_text

SQLITE_POOL_SIZE = 20


# The scheme platforms (Heroku, Render, Fly) write, and libpq's: both mean PostgreSQL.
POSTGRESQL_SCHEMES = {"postgres", "postgresql"}


def database_url(text: str) -> URL:
    """DATABASE_URL as SQLAlchemy needs it: `postgres://` and `postgresql://` name psycopg 3,
    the driver we ship (SQLAlchemy reads `postgres` as nothing, `postgresql` as psycopg2).
    A password is percent-decoded here, so `p%40ss` is the password `p@ss`."""
    url = make_url(text)
    backend, _, driver = url.drivername.partition("+")
    if backend in POSTGRESQL_SCHEMES:
        url = url.set(drivername=f"postgresql+{driver or 'psycopg'}")
    return url


def build_engine(database_url_text: str, **kwargs: Any) -> Engine:
    """An engine for DATABASE_URL; SQLite gets WAL, foreign keys and a busy timeout."""
    url = database_url(database_url_text)
    if url.get_backend_name() == "sqlite":
        # Each new SQLite connection runs the PRAGMAs below; a pool as large as the threads that
        # use it at once (listeners, web, senders) keeps connections instead of reopening them.
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _begin_sqlite) instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed during a write; the scheduler and the web workers share the file.
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The full-text triggers stem what they index (migration i005): same stems, same process.
    dbapi_connection.create_function("revops_stems", 1, index_text, deterministic=True)


# Set on the connections of a read_scope() session (see below).
READ_ONLY = "revops_read_only"


def _begin_sqlite(connection: Any) -> None:
    # A transaction that may write takes the write lock when it begins. A deferred transaction
    # that reads and then writes fails with "database is locked" (no waiting) when another
    # connection wrote in between; IMMEDIATE waits its turn (busy_timeout) instead. SQLite
    # serialises writers anyway, and the bot's transactions are short: Slack calls happen
    # outside them. A read-only one never writes: under WAL it reads a snapshot at once, without
    # queueing behind the writers (the modal's settings read used to wait for outbox sends).
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _is_memory(dbapi_connection: Any) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[1] == "main" and not row[2] for row in rows)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work that only reads: on SQLite it does not wait for the write lock (readers
    see the last committed state under WAL). Writing through it is a bug, refused at flush."""
    session = factory(execution_options={READ_ONLY: True})
    session.info[READ_ONLY] = True
    try:
        yield session
    finally:
        session.close()  # nothing to commit: the transaction ends with a rollback


@event.listens_for(Session, "before_flush")
def _refuse_flushes_when_reading(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a read_scope() session was asked to write")


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements_when_reading(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and state.session.info.get(READ_ONLY):
        raise RuntimeError("a read_scope() session was asked to write")


def insert_or_ignore(
    session: Session, model: type[Any], rows: list[dict[str, Any]], conflict: list[str]
) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; returns the rows inserted.

    Two processes (or threads) meeting the same new key is normal here: a first request and a
    job, two clocks. Both go on; the database keeps one row.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    primary_key = list(model.__table__.primary_key.columns)
    statement = (
        insert(model)
        .values(rows)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(*primary_key)
    )
    # RETURNING counts inserted rows on both backends (rowcount is -1 on psycopg here).
    return len(session.execute(statement).all())


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (the DB-API rowcount, typed)."""
    return cast(CursorResult[Any], result).rowcount or 0
