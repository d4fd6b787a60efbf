"""Database plumbing: engine, sessions, the declarative Base. No domain logic lives here."""

from bot.db.base import Base, TeamScoped
from bot.db.engine import (
    build_engine,
    insert_or_ignore,
    read_scope,
    rows_affected,
    session_factory,
    session_scope,
)

__all__ = [
    "Base",
    "TeamScoped",
    "build_engine",
    "insert_or_ignore",
    "read_scope",
    "rows_affected",
    "session_factory",
    "session_scope",
]
