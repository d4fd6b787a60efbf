"""Every column of every table is classified: personal (with how it is erased) or not.

A new table or column fails here until someone decides what it holds, so personal data cannot
be added without export and erasure knowing about it.
"""

from __future__ import annotations

from bot.db.all_models import Base
from bot.privacy.catalog import MENTIONS, NOT_PERSONAL, PERSONAL, Holds


def test_every_column_of_every_table_is_classified() -> None:
    personal = {(entry.table, entry.column) for entry in PERSONAL}
    unclassified = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if (table.name, column.name) not in personal
        and column.name not in NOT_PERSONAL.get(table.name, frozenset())
    ]
    assert not unclassified, "classify in bot/privacy/catalog.py: " + ", ".join(unclassified)


def test_no_column_is_both_personal_and_not() -> None:
    both = [
        f"{entry.table}.{entry.column}"
        for entry in PERSONAL
        if entry.column in NOT_PERSONAL.get(entry.table, frozenset())
    ]
    assert not both


def test_the_catalogue_names_only_real_columns() -> None:
    tables = Base.metadata.tables
    stale = [
        f"{entry.table}.{entry.column}"
        for entry in PERSONAL
        if entry.table not in tables or entry.column not in tables[entry.table].columns
    ]
    stale += [
        f"{name}.{column}"
        for name, columns in {**{t: tuple(c) for t, c in NOT_PERSONAL.items()}, **MENTIONS}.items()
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
