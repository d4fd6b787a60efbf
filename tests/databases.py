"""Throw-away databases for tests: a SQLite file per test, or a PostgreSQL database per run.

PostgreSQL is used when TEST_DATABASE_URL names a server that answers. Each run creates its own
database on that server (revops_test_<random>) and drops it at the end, so two runs never see
each other's rows; each test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.db import build_engine
from bot.db.migrations import upgrade

TEST_DATABASE_URL = "TEST_DATABASE_URL"


def postgres_server_url() -> str | None:
    url = os.environ.get(TEST_DATABASE_URL)
    if not url:
        return None
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when a server answers."""
    url = postgres_server_url()
    if url is None:
        return f"{TEST_DATABASE_URL} is not set (PostgreSQL tests need a server)"
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        return f"no PostgreSQL server answers at {make_url(url).render_as_string()}: {error.orig}"
    finally:
        engine.dispose()
    return None


@contextmanager
def scratch_postgres_database(prefix: str = "revops_test") -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    server_url = postgres_server_url()
    assert server_url is not None
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_sqlite_copy(template: Path, directory: Path) -> str:
    path = directory / "bot.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def empty_all_tables(engine: Engine) -> None:
    """Start a test from empty tables on a shared, migrated PostgreSQL database."""
    with engine.begin() as connection:
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        names = ", ".join(f'"{name}"' for name in sorted(tables))
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def engine_for(url: str) -> Engine:
    return build_engine(url)
