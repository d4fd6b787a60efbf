"""`revops-bot privacy export` and `revops-bot privacy erase`: a user's right of access and
right to erasure, audited."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.parsing import _Commands
from bot.cli.startup import UsageError, _database_settings, _engine, _require_known_workspace


def add_command(commands: Any) -> None:
    """Register `privacy` and its commands on the CLI's subcommands."""
    privacy = commands.add_parser("privacy", help="right of access and right to erasure")
    privacy_commands = _Commands(
        privacy.add_subparsers(title="privacy commands", metavar="PRIVACY_COMMAND", required=True)
    )
    export = privacy_commands.add_parser(
        "export", help="every row that names a user, as one JSON document"
    )
    erase = privacy_commands.add_parser(
        "erase", help="erase or pseudonymise every personal field of a user (audited)"
    )
    for command in (export, erase):
        command.add_argument("--team", metavar="T", required=True, help="Slack team id")
        command.add_argument("--user", metavar="U", required=True, help="Slack user id")
        command.add_argument(
            "--by",
            metavar="NAME",
            default=_os_user(),
            help="who asks, for the audit trail (default: the OS user, %(default)s)",
        )
    export.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    erase.add_argument(
        "--yes",
        action="store_true",
        help="erase without asking (for scripts; on a terminal you are asked to confirm)",
    )
    export.set_defaults(run=_privacy_export)
    erase.set_defaults(run=_privacy_erase)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "unknown"


def _cli_actor(by: str) -> str:
    """The audit trail's actor for an operator at the command line."""
    return f"cli:{by}"[:64]


def _privacy_export(args: argparse.Namespace) -> int:
    from bot.db import session_factory, session_scope
    from bot.privacy import lifecycle
    from bot.privacy import service as privacy

    settings = _database_settings(args)
    engine = _engine(settings)
    now = datetime.now(UTC)
    with session_scope(session_factory(engine)) as session:
        _require_known_workspace(session, args.team)
        document = privacy.export_user(
            session=session, team_id=args.team, user_id=args.user, now=now
        )
        lifecycle.audit(
            session=session,
            team_id=args.team,
            action="export",
            actor=_cli_actor(args.by),
            subject=args.user,
            now=now,
            details={"rows": privacy.export_row_count(document)},
        )
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    if not document["tables"]:
        print(f"revops-bot: {document['note']}", file=sys.stderr)
    return 0


def _privacy_erase(args: argparse.Namespace) -> int:
    from bot.db import session_factory, session_scope
    from bot.privacy import service as privacy
    from bot.privacy.pseudonyms import NO_SECRET_KEY_WARNING, key_of

    settings = _database_settings(args)
    engine = _engine(settings)
    with session_scope(session_factory(engine)) as session:
        _require_known_workspace(session, args.team)
        rows = privacy.export_row_count(
            privacy.export_user(
                session=session, team_id=args.team, user_id=args.user, now=datetime.now(UTC)
            )
        )
    if not args.yes:
        _confirm_erasure(args.team, args.user, rows)
    secret = key_of(settings.secret_key)
    if secret is None:
        print(f"revops-bot: warning: {NO_SECRET_KEY_WARNING}", file=sys.stderr)
    with session_scope(session_factory(engine)) as session:
        counts = privacy.erase_user(
            session=session,
            team_id=args.team,
            user_id=args.user,
            actor=_cli_actor(args.by),
            now=datetime.now(UTC),
            secret=secret,
        )
    alias = privacy.pseudonym(team_id=args.team, user_id=args.user, secret=secret)
    print(f"{args.user} is now {alias}: {sum(counts.values())} fields changed")
    for field, count in sorted(counts.items()):
        print(f"    {field}: {count}")
    if not sum(counts.values()):
        print(
            f"    nothing named {args.user} in workspace {args.team}: "
            "already erased, never seen, or a typo"
        )
    return 0


class NotConfirmed(Exception):
    """An erasure nobody confirmed: nothing was erased."""


def _confirm_erasure(team_id: str, user_id: str, rows: int) -> None:
    """An erasure cannot be undone, and a typo in --user erases someone else: on a terminal,
    say how many rows name the user and have the operator type the id; a script must say
    --yes. Anything else erases nothing (UsageError: exit 2)."""
    if not sys.stdin.isatty():
        raise UsageError(
            f"nothing erased: erasing {user_id} cannot be undone, and standard input is not a "
            "terminal to ask on; pass --yes to erase from a script"
        )
    named = f"{rows} row{'' if rows == 1 else 's'} name{'s' if rows == 1 else ''} {user_id}"
    print(
        f"Erase {user_id} in workspace {team_id}? {named}. This cannot be undone.",
        file=sys.stderr,
    )
    try:
        typed = input(f"Type {user_id} to erase, anything else to stop: ")
    except EOFError:
        typed = ""
    if typed.strip() != user_id:
        raise NotConfirmed(f"nothing erased: {user_id} was not typed")
