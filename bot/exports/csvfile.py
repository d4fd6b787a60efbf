"""Writing an export as CSV: UTF-8, RFC 4180 quoting, one header row.

Plain CSV (the default) is for programs: comma-separated, ISO 8601 dates and times, numbers
as Python writes them (`1200.5`, no grouping), booleans `true`/`false`, empty for nothing.
`excel=True` is for a spreadsheet opened with a double click: a byte order mark (so Excel
reads UTF-8), and where the workspace's language writes a decimal comma (French: "12,5") the
separator is a semicolon and decimals take a comma, as Excel expects in that locale.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TextIO

from babel.numbers import get_decimal_symbol

from bot.exports.service import Cell, Row

BOM = "\ufeff"


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    decimal: str = "."
    bom: bool = False


def dialect_for(*, excel: bool, language: str) -> Dialect:
    """Plain CSV, or what a spreadsheet in the workspace's language reads without an import."""
    if not excel:
        return Dialect()
    decimal = get_decimal_symbol(language)
    return Dialect(delimiter=";" if decimal == "," else ",", decimal=decimal, bom=True)


def cell(value: Cell, dialect: Dialect) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        text = repr(value) if not value.is_integer() else str(int(value))
        return text.replace(".", dialect.decimal)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", dialect.decimal)
    return str(value)


def write(
    out: TextIO,
    header: list[str],
    rows: Iterable[Row],
    dialect: Dialect,
    *,
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Write the header and every row to `out` as they come; returns the number of rows."""
    if dialect.bom:
        out.write(BOM)
    writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    written = 0
    for row in rows:
        writer.writerow([cell(value, dialect) for value in row])
        written += 1
        if on_row is not None:
            on_row(written)
    return written
