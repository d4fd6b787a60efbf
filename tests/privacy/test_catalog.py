"""Every column of every table is classified: personal (with how it is erased) or not.

A new table or column fails here until someone decides what it holds, so personal data cannot
be added without export and erasure knowing about it.
"""

from __future__ import annotations

from bot.db.all_models import Base
from bot.privacy.catalog import (
    FOLDED,
    KEYWORDS,
    MENTIONS,
    NOT_PERSONAL,
    PERSONAL,
    SECRETS,
    Holds,
    is_secret,
)


def test_every_column_of_every_table_is_classified() -> None:
    personal = {(entry.table, entry.column) for entry in PERSONAL}
    unclassified = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if (table.name, column.name) not in personal
        and column.name not in NOT_PERSONAL.get(table.name, frozenset())
        and column.name not in SECRETS.get(table.name, frozenset())
    ]
    assert not unclassified, "classify in bot/privacy/catalog.py: " + ", ".join(unclassified)


def test_no_column_is_in_two_classes() -> None:
    personal = {(entry.table, entry.column) for entry in PERSONAL}
    not_personal = {(t, c) for t, columns in NOT_PERSONAL.items() for c in columns}
    secrets = {(t, c) for t, columns in SECRETS.items() for c in columns}
    assert not personal & not_personal
    assert not personal & secrets
    assert not not_personal & secrets


def test_every_secret_looking_column_is_a_secret() -> None:
    """A second net: a column named like a credential is never exported, so it must be in
    SECRETS (or be the user's own, PERSONAL with Holds.secret)."""
    looks_secret = ("token", "secret", "password", "webhook_url", "sha256")

    def named_like_a_secret(name: str) -> bool:
        return (
            any(marker in name for marker in looks_secret)
            or name in {"state", "key"}
            or (name.endswith("_key"))
        )

    # Names that only look like it: expiry dates, a token's kind, lookup keys, hashes of
    # what is stored beside them (a document's URL, a pushed body).
    exempt = {
        ("slack_bots", "bot_token_expires_at"),
        ("slack_installations", "bot_token_expires_at"),
        ("slack_installations", "user_token_expires_at"),
        ("slack_installations", "token_type"),
        ("intake_docs", "url_sha256"),
        ("project_kpi_pushes", "idempotency_key"),
        ("project_kpi_pushes", "body_sha256"),
    }
    exempt |= {(table, column) for table, columns in FOLDED.items() for column in columns}
    suspicious = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if named_like_a_secret(column.name)
        and not is_secret(table.name, column.name)
        and (table.name, column.name) not in exempt
    ]
    assert not suspicious, "add to catalog.SECRETS (never exported): " + ", ".join(suspicious)


def test_the_catalogue_names_only_real_columns() -> None:
    tables = Base.metadata.tables
    stale = [
        f"{entry.table}.{entry.column}"
        for entry in PERSONAL
        if entry.table not in tables or entry.column not in tables[entry.table].columns
    ]
    stale += [
        f"{name}.{column}"
        for classes in (NOT_PERSONAL, SECRETS, MENTIONS, FOLDED, KEYWORDS)
        for name, columns in classes.items()
        for column in columns
        if name not in tables or column not in tables[name].columns
    ]
    assert not stale, stale


def test_columns_that_depend_on_an_owner_name_one() -> None:
    needs_owner = {Holds.authored, Holds.email, Holds.name, Holds.secret}
    for entry in PERSONAL:
        if entry.holds in needs_owner:
            assert entry.owner in Base.metadata.tables[entry.table].columns, entry


def test_every_user_or_email_looking_column_is_personal() -> None:
    """A second net: a column named like a person's id or e-mail must be classified personal."""
    personal = {(entry.table, entry.column) for entry in PERSONAL}
    looks_personal = (
        "user_id",
        "_by",
        "owner_id",
        "email",
        "requester",
        "assignee",
        "actor",
        "recipient",
        "member_ids",
        "lead_id",
    )
    # Bots, worker processes and flags are not people of the workspace.
    exempt = {
        ("slack_bots", "bot_user_id"),
        ("slack_installations", "bot_user_id"),
        ("deliveries", "claimed_by"),  # host:pid of the sender process
        ("schedules", "tz_follows_recipient"),  # a flag
    }
    suspicious = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if any(marker in column.name for marker in looks_personal)
        and (table.name, column.name) not in personal | exempt
    ]
    assert not suspicious, suspicious


def test_text_that_is_scrubbed_is_otherwise_not_personal() -> None:
    """MENTIONS, FOLDED and KEYWORDS say how a column is scrubbed, not what it is."""
    for classes in (MENTIONS, FOLDED, KEYWORDS):
        for table, columns in classes.items():
            for column in columns:
                personal = {(e.table, e.column) for e in PERSONAL}
                assert (
                    column in NOT_PERSONAL.get(table, frozenset())
                    or (
                        table,
                        column,
                    )
                    in personal
                ), f"{table}.{column}"
