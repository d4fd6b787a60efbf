"""Migrations are code: an empty database upgraded to head matches the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import build_engine
from bot.db.all_models import Base
from bot.db.migrations import current_heads, expected_heads, upgrade
from bot.db.search_index import include_object


def _assert_schema_matches_models(url: str) -> None:
    upgrade(url)
    engine = build_engine(url)
    try:
        assert current_heads(engine) == expected_heads()
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_object": include_object}
            context = MigrationContext.configure(connection, opts=opts)
            assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert {table.name for table in Base.metadata.sorted_tables} <= tables
    finally:
        engine.dispose()


def test_empty_sqlite_upgrades_to_head_and_matches_the_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _assert_schema_matches_models(f"sqlite:///{tmp_path / 'empty.db'}")


def test_empty_postgresql_upgrades_to_head_and_matches_the_models(
    postgres_scratch_url: str,
) -> None:
    _assert_schema_matches_models(postgres_scratch_url)


def test_upgrading_twice_is_harmless(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)
    engine = build_engine(url)
    try:
        assert current_heads(engine) == expected_heads()
    finally:
        engine.dispose()


# slack_sdk's own OAuth tables: states belong to no team yet; installations carry team_id.
NOT_TEAM_SCOPED = {"slack_oauth_states"}


@pytest.mark.parametrize(
    "table",
    [t for t in Base.metadata.sorted_tables if t.name not in NOT_TEAM_SCOPED],
    ids=lambda table: table.name,
)
def test_every_domain_table_carries_the_team_id(table) -> None:  # type: ignore[no-untyped-def]
    assert "team_id" in table.columns, f"{table.name} has no team_id column"
