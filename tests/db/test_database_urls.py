"""DATABASE_URL as hosting platforms write it: postgres:// and postgresql:// reach psycopg 3,
passwords with any character survive, and no command shows a password."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db import build_engine
from bot.settings import DatabaseSettings, SettingsError, load_settings
from tests.cli.test_commands import clean_env, run

# Every character that means something in a URL, a '%' that ConfigParser would interpolate, and
# some that are not ASCII. Platforms percent-encode such a password; SQLAlchemy decodes it.
PASSWORD = "p@ss:w/rd%25 #?&=+'\"é€"
ENCODED = quote(PASSWORD, safe="")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_platform_schemes_name_the_psycopg_driver(scheme: str) -> None:
    settings = load_settings(
        DatabaseSettings, DATABASE_URL=f"{scheme}://revops:{ENCODED}@db.internal:6543/revops"
    )
    url = make_url(settings.database_url)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "revops",
        PASSWORD,
        "db.internal",
        6543,
        "revops",
    )
    assert settings.safe_database_url == "postgresql+psycopg://revops:***@db.internal:6543/revops"


def test_query_options_such_as_sslmode_are_kept() -> None:
    settings = load_settings(
        DatabaseSettings, DATABASE_URL="postgres://u:pw@db:5432/revops?sslmode=require"
    )
    assert make_url(settings.database_url).query == {"sslmode": "require"}


def test_sqlite_urls_are_kept_as_written() -> None:
    settings = load_settings(DatabaseSettings, DATABASE_URL="sqlite:///data/revops-bot.db")
    assert settings.database_url == "sqlite:///data/revops-bot.db"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u:secret-1@db/revops", "expected a sqlite:///, postgres:// or postgresql://"),
        ("not a url secret-1", "expected a SQLAlchemy URL"),
        ("postgres://u:p@ss-secret-1@db/revops", "write an '@' in the user name or password"),
    ],
)
def test_a_refused_url_says_why_without_echoing_it(url: str, expected: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(DatabaseSettings, DATABASE_URL=url)
    message = str(refused.value)
    assert message.startswith("configuration error: DATABASE_URL: ") and expected in message
    assert "secret-1" not in message


def test_the_driver_receives_the_password_exactly(postgres_scratch_url: str) -> None:
    server = make_url(postgres_scratch_url)
    url = f"postgres://{server.username}:{ENCODED}@{server.host}:{server.port}/{server.database}"
    engine = build_engine(load_settings(DatabaseSettings, DATABASE_URL=url).database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == (
                server.database
            )
            # What libpq was given, read back from the open connection.
            assert connection.connection.dbapi_connection.info.password == PASSWORD  # type: ignore[union-attr]
    finally:
        engine.dispose()


def test_db_upgrade_and_current_with_a_platform_url_never_show_the_password(
    postgres_scratch_url: str, tmp_path: Path
) -> None:
    server = make_url(postgres_scratch_url)
    url = f"postgres://{server.username}:{ENCODED}@{server.host}:{server.port}/{server.database}"
    env = clean_env(DATABASE_URL=url, LOG_LEVEL="DEBUG")
    upgraded = run("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    current = run("db", "current", env=env, cwd=tmp_path)
    assert current.returncode == 0, current.stderr
    assert "at head: yes" in current.stdout
    shown = f"postgresql+psycopg://{server.username}:***@{server.host}:{server.port}/"
    assert shown in upgraded.stdout and shown in current.stdout
    for result in (upgraded, current):
        output = result.stdout + result.stderr
        assert PASSWORD not in output and ENCODED not in output and "p@ss" not in output
