"""`revops-bot db upgrade` and `revops-bot db current`: the schema's migrations."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.cli.parsing import _Commands
from bot.cli.startup import EXIT_RUNTIME_ERROR, StartupError, _database_settings, _engine
from bot.db.migrations import describe, status, upgrade


def add_command(commands: Any) -> None:
    """Register `db` and its commands on the CLI's subcommands."""
    db = commands.add_parser("db", help="database commands")
    db_commands = _Commands(
        db.add_subparsers(title="db commands", metavar="DB_COMMAND", required=True)
    )
    db_upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the latest")
    db_upgrade.set_defaults(run=_db_upgrade)
    db_current = db_commands.add_parser(
        "current",
        help="the database's revisions and whether it is at head (exit 0 at head, 1 otherwise)",
    )
    db_current.set_defaults(run=_db_current)


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = _database_settings(args)
    engine = _engine(settings)
    try:
        unknown = status(engine).unknown
    finally:
        engine.dispose()
    if unknown:
        raise StartupError(
            f"database at {settings.safe_database_url} is at revision {', '.join(sorted(unknown))}"
            ", which this version of revops-bot does not ship: a newer version upgraded it "
            "(see `revops-bot db current`)"
        )
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)  # each step applied
    upgrade(settings.database_url)
    print(f"database at {settings.safe_database_url} is at head")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    """Read only: what `db upgrade` would do, and whether /readyz would say ready."""
    settings = _database_settings(args)
    engine = _engine(settings)
    try:
        where = status(engine)
    finally:
        engine.dispose()
    print(f"database {settings.safe_database_url}")
    for revision in sorted(where.current):
        print(f"    {describe(revision)}")
    if not where.current:
        print("    no revision: an empty database")
    if where.unknown:
        unknown = ", ".join(sorted(where.unknown))
        print(
            f"at head: no, revision {unknown} is not one this version of revops-bot ships: "
            "a newer version upgraded this database (run that version again, or restore the "
            "backup taken before the upgrade)"
        )
        return EXIT_RUNTIME_ERROR
    if where.at_head:
        print("at head: yes")
        return 0
    count = len(where.pending)
    noun = "revision" if count == 1 else "revisions"
    pending = ", ".join(where.pending)
    print(f"at head: no, {count} {noun} to apply ({pending}): run `revops-bot db upgrade`")
    return EXIT_RUNTIME_ERROR
