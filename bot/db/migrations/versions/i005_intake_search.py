"""intake: full-text indexes of docs and requests, kept by the database in every transaction

SQLite: an FTS5 table per indexed table holds the English and French Snowball stems of its
text (`revops_stems`, a function every connection of the bot registers: bot.textsearch), filled
by triggers on insert, on a change of the indexed columns and on delete (a workspace purge's
cascade included). PostgreSQL: a generated tsvector column, the `english` and `french`
configurations over the text with accents removed (the `unaccent` extension when the server
has it, else a fixed translation of Latin accented letters), with a GIN index.

Revision ID: i005
Revises: i004
Create Date: 2026-12-10 12:00:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "i005"
down_revision: str | Sequence[str] | None = "i004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, its FTS5 table, its GIN index, the indexed text (weighted A then B on PostgreSQL)
INDEXED = (
    ("intake_docs", "intake_docs_search", "ix_intake_docs_search", ("summary", "keywords")),
    ("intake_requests", "intake_requests_search", "ix_intake_requests_search", ("title", "need")),
)

_ACCENTED = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝýÿ"
_PLAIN = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYyy"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_sqlite() -> None:
    for table, fts, _, (first, second) in INDEXED:
        indexed = f"revops_stems(coalesce(new.{first}, '') || ' ' || coalesce(new.{second}, ''))"
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(stems, tokenize='unicode61')")
        op.execute(
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, stems) VALUES (new.id, {indexed}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {first}, {second} ON {table} BEGIN "
            f"UPDATE {fts} SET stems = {indexed} WHERE rowid = new.id; END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM {fts} WHERE rowid = old.id; END"
        )
        op.execute(
            f"INSERT INTO {fts}(rowid, stems) SELECT id, "
            f"revops_stems(coalesce({first}, '') || ' ' || coalesce({second}, '')) FROM {table}"
        )


def _unaccent_schema() -> str | None:
    """The schema of the unaccent extension, installed here if the server offers it."""
    bind = op.get_bind()
    available = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")
    ).scalar()
    if available:
        try:
            with bind.begin_nested():
                bind.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
        except Exception:  # no right to create it: the fallback below
            return None
    return bind.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        )
    ).scalar()


def _upgrade_postgresql() -> None:
    schema = _unaccent_schema()
    if schema is not None:
        # IMMUTABLE with the dictionary named: the usual way to index unaccent()'s result.
        body = f"SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1)"
    else:
        body = f"SELECT translate($1, '{_ACCENTED}', '{_PLAIN}')"
    op.execute(
        "CREATE FUNCTION revops_unaccent(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ {body} $$"
    )
    for table, _, index, columns in INDEXED:
        parts = [
            f"setweight(to_tsvector('{config}'::regconfig, "
            f"revops_unaccent(coalesce({column}, ''))), '{weight}')"
            for column, weight in zip(columns, "AB", strict=True)
            for config in ("english", "french")
        ]
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({' || '.join(parts)}) STORED"
        )
        # fastupdate off: a write goes into the index at once. With it on, new rows wait in a
        # pending list that every search reads through until a vacuum: after a bulk load,
        # searches were several times slower until autovacuum came by.
        op.execute(
            f"CREATE INDEX {index} ON {table} USING gin (search_vector) WITH (fastupdate = off)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, index, _ in INDEXED:
            op.execute(f"DROP INDEX {index}")
            op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        op.execute("DROP FUNCTION revops_unaccent(text)")
        return
    for _, fts, _, _ in INDEXED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {fts}_{event}")
        op.execute(f"DROP TABLE {fts}")
