"""The full-text indexes the migrations add beside the models (intake's docs and requests).

They are not in the SQLAlchemy models: SQLite keeps them in FTS5 virtual tables (and their
shadow tables) filled by triggers, PostgreSQL in generated `tsvector` columns with GIN indexes.
Alembic's comparison of the models with a database leaves them alone (`include_object`).
"""

from __future__ import annotations

from typing import Any

# SQLite: one FTS5 table per indexed table, named <table>_search (FTS5 adds <name>_data,
# _idx, _content, _docsize and _config).
FTS5_TABLES = {"intake_docs": "intake_docs_search", "intake_requests": "intake_requests_search"}
# PostgreSQL: the generated column and its GIN index on each indexed table.
TSVECTOR_COLUMN = "search_vector"
GIN_INDEXES = {
    "intake_docs": "ix_intake_docs_search",
    "intake_requests": "ix_intake_requests_search",
}


def is_search_object(name: str | None, type_: str) -> bool:
    if name is None:
        return False
    if type_ == "table":
        return any(name.startswith(table) for table in FTS5_TABLES.values())
    if type_ == "column":
        return name == TSVECTOR_COLUMN
    if type_ == "index":
        return name in GIN_INDEXES.values()
    return False


def include_object(
    _object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic's filter: the search indexes are the migrations' own, not the models'."""
    return not is_search_object(name, type_)
