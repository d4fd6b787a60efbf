"""A row id that travels through Slack (a button value, private_metadata), typed.

What an integer primary key can hold (PostgreSQL's integer): a larger number cannot name a
row, and would fail in the database driver rather than read as "out of date". Here, not in
bot/slack, so that interaction state parsed by flows stays free of Slack imports.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
