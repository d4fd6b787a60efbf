"""Alembic environment: the URL comes from revops-bot's settings, the schema from its models."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from bot.db.all_models import Base
from bot.db.base import UtcDateTime
from bot.db.engine import build_engine
from bot.db.migrations import DATABASE_URL_ATTRIBUTE
from bot.db.search_index import include_object
from bot.settings import DatabaseSettings, load_settings

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url: str | None = config.attributes.get(DATABASE_URL_ATTRIBUTE)
    if url:
        return url
    # Plain `alembic` in a checkout: DATABASE_URL (environment or .env) as the bot reads it.
    return load_settings(DatabaseSettings).database_url


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # UtcDateTime is stored as a plain DateTime: keep revisions free of bot imports.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime()"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _configure(connectable)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = build_engine(_database_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `revops-bot db upgrade`")
run_migrations_online()
