"""`revops-bot export requests|projects|kpis|wins --team T [--from D] [--to D] [--out FILE]
[--excel]`: one CSV export, streamed from the database to the file (bounded memory whatever
the number of rows), with a progress line when standard error is a terminal."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from bot.exports.columns import COLUMNS, ExportKind

PROGRESS_EVERY = 1000


def add_command(commands: Any) -> None:
    """Register `export` on the CLI's subcommands (bot/cli/__init__.py calls this once)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "export",
        help="CSV export of requests, projects, KPI values or wins",
        description=_columns_help(),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=[kind.value for kind in ExportKind], help="what to export")
    parser.add_argument("--team", metavar="T", required=True, help="Slack team id")
    parser.add_argument(
        "--from", dest="start", metavar="DATE", type=_day, help="first day included (ISO 8601)"
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", type=_day, help="last day included (ISO 8601)"
    )
    parser.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    parser.add_argument(
        "--excel",
        action="store_true",
        help="for a spreadsheet: a byte order mark, and ';' with decimal commas where the "
        "workspace's language writes them",
    )
    parser.set_defaults(run=run)


EXAMPLES = """examples:
  revops-bot export requests --team T0123ABCD --from 2026-10-01 --to 2026-12-31 --out q4.csv
  revops-bot export wins --team T0123ABCD --excel --out wins.csv"""


def _columns_help() -> str:
    lines = [
        "One CSV file of requests, projects, KPI values or wins, streamed from the database "
        "(memory stays flat however many rows), with a progress line on a terminal.",
        "",
        "Columns (dates and times in ISO 8601, UTC; numbers unformatted):",
    ]
    for kind, columns in COLUMNS.items():
        lines.append(f"\n{kind.value}:")
        lines += [f"  {column.name}: {column.meaning}" for column in columns]
    return "\n".join(lines)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date: {value!r}") from None


def run(args: argparse.Namespace) -> int:
    from bot.cli.startup import UsageError, _database_settings, _engine, _require_known_workspace
    from bot.db import session_factory, session_scope
    from bot.exports import csvfile
    from bot.exports.service import Period, count, export_header, export_rows
    from bot.workspaces.models import Workspace

    if args.start and args.end and args.end < args.start:
        raise UsageError(f"--to {args.end} is before --from {args.start}")
    settings = _database_settings(args)
    engine = _engine(settings)
    kind, period = ExportKind(args.kind), Period(args.start, args.end)
    with session_scope(session_factory(engine)) as session:
        _require_known_workspace(session, args.team)
        workspace = session.get(Workspace, args.team)
        language = (workspace.default_locale if workspace else "en").split("-")[0]
        dialect = csvfile.dialect_for(excel=args.excel, language=language)
        total = count(session, team_id=args.team, kind=kind, period=period)
        progress = _Progress(total) if sys.stderr.isatty() else None
        with _output(args.out) as out:
            written = csvfile.write(
                out,
                export_header(session, team_id=args.team, kind=kind),
                export_rows(session, team_id=args.team, kind=kind, period=period),
                dialect,
                on_row=progress.update if progress else None,
            )
        if progress:
            progress.done(written)
    if args.out:
        print(f"{written} {kind.value} rows written to {args.out}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    # newline="": the csv module writes its own line ends (RFC 4180's CRLF).
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        yield out


class _Progress:
    """`exported 12,000 of 100,000 rows (12%)` rewritten in place on the terminal."""

    def __init__(self, total: int) -> None:
        self.total = total

    def update(self, written: int) -> None:
        if written % PROGRESS_EVERY == 0:
            share = f" ({written * 100 // self.total}%)" if self.total else ""
            print(f"\rexported {written:,} of {self.total:,} rows{share}", end="", file=sys.stderr)

    def done(self, written: int) -> None:
        print(f"\rexported {written:,} of {self.total:,} rows", file=sys.stderr)
