from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.runtime import build_runtime
from bot.settings import Settings, load_settings
from tests import databases
from tests.harness import BotHarness, bot_environment
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack


def pytest_report_header(config: pytest.Config) -> str:
    reason = databases.postgres_unavailable_reason()
    backend = "PostgreSQL (TEST_DATABASE_URL)" if reason is None else f"SQLite ({reason})"
    return f"revops-bot test database: {backend}"


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A command run in-process (`bot.cli.main`) points the root logger at the sys.stderr of
    its test: put the root logger back, so that no later test logs to a closed capture."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def postgres_reason() -> str | None:
    return databases.postgres_unavailable_reason()


@pytest.fixture(scope="session")
def _shared_database(
    tmp_path_factory: pytest.TempPathFactory, postgres_reason: str | None
) -> Iterator[tuple[str, str]]:
    """('sqlite', template path) or ('postgresql', url of a migrated database for this run)."""
    if postgres_reason is None:
        with databases.scratch_postgres_database() as url:
            databases.upgrade(url)
            yield "postgresql", url
    else:
        yield "sqlite", str(databases.migrated_sqlite_template(tmp_path_factory.mktemp("db")))


@pytest.fixture
def database_url(_shared_database: tuple[str, str], tmp_path: Path) -> str:
    """A migrated database with empty tables, on the backend this run tests."""
    backend, location = _shared_database
    if backend == "sqlite":
        return databases.fresh_sqlite_copy(Path(location), tmp_path)
    engine = databases.engine_for(location)
    try:
        databases.empty_all_tables(engine)
    finally:
        engine.dispose()
    return location


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = databases.engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_scratch_url(postgres_reason: str | None) -> Iterator[str]:
    """An empty PostgreSQL database of its own, for tests that only make sense there."""
    if postgres_reason is not None:
        pytest.skip(postgres_reason)
    with databases.scratch_postgres_database("revops_scratch") as url:
        yield url


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """A fake Slack with workspace T1 (bot token xoxb-test), an intake channel and three people."""
    with FakeSlack() as fake:
        fake.add_user(
            user_id="U1",
            real_name="Alice Martin",
            email="alice@example.com",
            tz="America/New_York",
            locale="en-US",
        )
        fake.add_user(
            user_id="U2",
            real_name="Bruno Dupont",
            email="bruno@example.com",
            tz="Europe/Paris",
            locale="fr-FR",
        )
        fake.add_user(
            user_id="UADMIN",
            real_name="Ada Admin",
            email="ada@example.com",
            tz="Europe/London",
            locale="en-GB",
            is_admin=True,
        )
        fake.add_channel(channel_id="C1", name="general")
        monkeypatch.setattr(signing, "RESPONSE_URL_BASE", fake.response_url_base)
        yield fake


@pytest.fixture
def bot_env(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    return bot_environment(fake_slack, database_url)


@pytest.fixture
def bot(bot_env: dict[str, str], fake_slack: FakeSlack) -> Iterator[BotHarness]:
    """The whole bot, as `revops-bot serve` builds it, on a loopback port."""
    settings = load_settings(Settings, **bot_env)
    harness = BotHarness(build_runtime(settings), fake_slack, bot_env)
    yield harness
    harness.close()
