"""The rules of the right of access and the right to erasure.

- Export: every row that names the user (a user id column, a list of ids, a mention in text,
  one of their e-mails), across every table of `catalog`, as one JSON document:
  `{"schema": "revops-bot/export/v1", "team_id", "user_id", "exported_at",
    "tables": {table: [row, ...]}}`, a row being every column of the table (dates ISO 8601).
- Erasure: the user's id becomes a stable pseudonym everywhere (so counts and totals per person
  stay right), text they wrote about themselves becomes "[erased]", their e-mail, display name
  and tokens are cleared, rows about them alone are deleted, and mentions of them in free text
  become the pseudonym. The erasure itself is recorded (who asked, when, row counts) under the
  pseudonym. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Table, cast, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.db import rows_affected
from bot.db.all_models import Base
from bot.privacy.catalog import (
    MENTIONS,
    PERSONAL,
    Holds,
    Personal,
    personal_columns,
    tables_with_personal_data,
)
from bot.privacy.lifecycle import audit

EXPORT_SCHEMA = "revops-bot/export/v1"
ERASED_TEXT = "[erased]"
PSEUDONYM_PREFIX = "X"


def pseudonym(*, team_id: str, user_id: str, secret: str | None) -> str:
    """A stable stand-in for a user id: the same user always gets the same pseudonym.

    Keyed with SECRET_KEY when set, so that nobody without the key can test a guess.
    """
    key = (secret or "revops-bot").encode()
    digest = hmac.new(key, f"{team_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:10].upper()


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _mention_filter(table: Table, user_id: str) -> list[ColumnElement[bool]]:
    return [
        cast(table.c[column], String).contains(user_id) for column in MENTIONS.get(table.name, ())
    ]


def _user_emails(session: Session, *, team_id: str, user_id: str) -> set[str]:
    table = _table("celebration_email_users")
    rows = session.execute(
        select(table.c.email).where(table.c.team_id == team_id, table.c.user_id == user_id)
    )
    return {email for (email,) in rows if email}


def _row_filter(table: Table, *, user_id: str, emails: set[str]) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    for entry in personal_columns(table.name):
        column = table.c[entry.column]
        if entry.holds in {Holds.user, Holds.row_owner}:
            conditions.append(column == user_id)
        elif entry.holds is Holds.user_list:
            conditions.append(cast(column, String).contains(f'"{user_id}"'))
        elif entry.holds is Holds.email and emails:
            conditions.append(column.in_(sorted(emails)))
    conditions.extend(_mention_filter(table, user_id))
    return or_(*conditions) if conditions else None


def export_user(*, session: Session, team_id: str, user_id: str, now: datetime) -> dict[str, Any]:
    """Every row that names the user, table by table (the documented export schema)."""
    emails = _user_emails(session, team_id=team_id, user_id=user_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in tables_with_personal_data():
        table = _table(name)
        condition = _row_filter(table, user_id=user_id, emails=emails)
        if condition is None:
            continue
        rows = session.execute(select(table).where(table.c.team_id == team_id, condition))
        found = [{key: _jsonable(value) for key, value in row._mapping.items()} for row in rows]
        if found:
            tables[name] = found
    return {
        "schema": EXPORT_SCHEMA,
        "team_id": team_id,
        "user_id": user_id,
        "exported_at": now.isoformat(),
        "tables": tables,
    }


# Rows about the user alone go first; then what needs the owner column to still name the
# user (their text, e-mail, name, tokens); the ids are renamed last.
_ORDER = [
    Holds.row_owner,
    Holds.authored,
    Holds.email,
    Holds.name,
    Holds.secret,
    Holds.user,
    Holds.user_list,
]


def erase_user(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    actor: str,
    now: datetime,
    secret: str | None,
) -> dict[str, int]:
    """Erase or pseudonymise every personal field of the user; returns rows changed per column."""
    alias = pseudonym(team_id=team_id, user_id=user_id, secret=secret)
    emails = _user_emails(session, team_id=team_id, user_id=user_id)
    counts: Counter[str] = Counter()
    entries = sorted(PERSONAL, key=lambda entry: _ORDER.index(entry.holds))
    for entry in entries:
        changed = _erase_column(
            session, entry, team_id=team_id, user_id=user_id, alias=alias, emails=emails
        )
        if changed:
            counts[f"{entry.table}.{entry.column}"] += changed
    for name, columns in MENTIONS.items():
        for column in columns:
            changed = _replace_mentions(
                session, _table(name), column, team_id=team_id, user_id=user_id, alias=alias
            )
            if changed:
                counts[f"{name}.{column} (mentions)"] += changed
    audit(
        session=session,
        team_id=team_id,
        action="erase",
        actor=actor,
        subject=alias,
        now=now,
        details={"rows": dict(counts)},
    )
    return dict(counts)


def _erase_column(
    session: Session,
    entry: Personal,
    *,
    team_id: str,
    user_id: str,
    alias: str,
    emails: set[str],
) -> int:
    table = _table(entry.table)
    column = table.c[entry.column]
    scope = table.c.team_id == team_id
    if entry.holds is Holds.row_owner:
        return rows_affected(session.execute(delete(table).where(scope, column == user_id)))
    if entry.holds is Holds.user:
        return rows_affected(
            session.execute(
                update(table).where(scope, column == user_id).values({entry.column: alias})
            )
        )
    if entry.holds is Holds.user_list:
        return _rewrite_lists(
            session, table, entry.column, team_id=team_id, user_id=user_id, alias=alias
        )
    assert entry.owner is not None
    owned = table.c[entry.owner] == user_id
    if entry.holds is Holds.email and emails:
        owned = or_(owned, column.in_(sorted(emails)))
    cleared = ERASED_TEXT if entry.holds is Holds.authored else None
    if entry.holds is Holds.name and not column.nullable:
        cleared = f"Erased user {alias}"
    return rows_affected(
        session.execute(
            update(table).where(scope, owned, column.is_not(None)).values({entry.column: cleared})
        )
    )


def _rewrite_lists(
    session: Session, table: Table, column: str, *, team_id: str, user_id: str, alias: str
) -> int:
    key = [c for c in table.primary_key.columns]
    rows = session.execute(
        select(*key, table.c[column]).where(
            table.c.team_id == team_id, cast(table.c[column], String).contains(f'"{user_id}"')
        )
    ).all()
    for row in rows:
        *ids, values = row
        renamed = [alias if value == user_id else value for value in (values or [])]
        session.execute(
            update(table)
            .where(*(k == v for k, v in zip(key, ids, strict=True)))
            .values({column: renamed})
        )
    return len(rows)


def _replace_mentions(
    session: Session, table: Table, column: str, *, team_id: str, user_id: str, alias: str
) -> int:
    """`<@U123>` (and the bare id inside JSON) becomes the pseudonym, wherever it appears."""
    key = [c for c in table.primary_key.columns]
    target = table.c[column]
    rows = session.execute(
        select(*key, target).where(
            table.c.team_id == team_id, cast(target, String).contains(user_id)
        )
    ).all()
    pattern = re.compile(re.escape(user_id))
    for row in rows:
        *ids, value = row
        if isinstance(value, str):
            replaced: Any = pattern.sub(alias, value)
        else:
            replaced = json.loads(pattern.sub(alias, json.dumps(value)))
        session.execute(
            update(table)
            .where(*(k == v for k, v in zip(key, ids, strict=True)))
            .values({column: replaced})
        )
    return len(rows)
