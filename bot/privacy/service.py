"""The rules of the right of access and the right to erasure.

- Export: every row that names the user (a user id column, a list of ids, a mention or bare id
  in text, one of their e-mails anywhere in text), across every table of `catalog`, as one
  JSON document: `{"schema": "revops-bot/export/v1", "team_id", "user_id", "exported_at",
  "tables": {table: [row, ...]}}`, a row being every column of the table but its credentials
  (catalog SECRETS), dates ISO 8601. Ids match on id boundaries: exporting U1 never pulls in a
  row that names only U10; e-mails match whole and case blind.
- Erasure: the user's id becomes a stable pseudonym everywhere (so counts and totals per person
  stay right), text they wrote about themselves becomes "[erased]", their e-mail, display name
  and tokens are cleared, rows about them alone are deleted, mentions of them in anyone's text
  become the pseudonym and their e-mails "[erased]". Sends still due to them are cancelled
  (skipped, never failed). Their digest opt-out is kept under the pseudonym, and the erasure is
  remembered by pseudonym (see `erased`). The erasure itself is recorded (who asked, when, row
  counts) under the pseudonym. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Table, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.db import rows_affected
from bot.db.all_models import Base
from bot.privacy.catalog import (
    FOLDED,
    KEYWORDS,
    MENTIONS,
    PERSONAL,
    SEMANTIC_VECTORS,
    Holds,
    Personal,
    is_left_out_of_exports,
    personal_columns,
    tables_with_personal_data,
)
from bot.privacy.erased import record_erasure
from bot.privacy.lifecycle import audit
from bot.privacy.matching import ERASED_TEXT, Needles
from bot.privacy.pseudonyms import NO_SECRET_KEY_WARNING, PSEUDONYM_PREFIX, pseudonym
from bot.scheduling.models import Delivery, DeliveryStatus

__all__ = [
    "ERASED_TEXT",
    "EXPORT_SCHEMA",
    "PSEUDONYM_PREFIX",
    "erase_user",
    "export_user",
    "pseudonym",
]

logger = logging.getLogger(__name__)

EXPORT_SCHEMA = "revops-bot/export/v1"


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def user_emails(*, session: Session, team_id: str, user_id: str) -> frozenset[str]:
    """Every e-mail the bot holds for the user (the CRM e-mail map, the wins naming them)."""
    emails: set[str] = set()
    for entry in PERSONAL:
        if entry.holds is not Holds.email or entry.owner is None:
            continue
        table = _table(entry.table)
        rows = session.execute(
            select(table.c[entry.column]).where(
                table.c.team_id == team_id, table.c[entry.owner] == user_id
            )
        )
        emails.update(email.strip() for (email,) in rows if email and email.strip())
    return frozenset(emails)


def _contains(column: Any, needle: str, *, folded: bool = False) -> ColumnElement[bool]:
    """A broad SQL pre-filter (substring); the exact, boundary-aware match is in Python."""
    text = cast(column, String)
    if folded:
        return func.lower(text).contains(needle.lower())
    return text.contains(needle)


def _text_filter(table: Table, needles: Needles) -> list[ColumnElement[bool]]:
    conditions = []
    for column in MENTIONS.get(table.name, ()):
        conditions.append(_contains(table.c[column], needles.user_id))
        conditions.extend(
            _contains(table.c[column], email, folded=True) for email in sorted(needles.emails)
        )
    return conditions


def _row_filter(table: Table, needles: Needles) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    for entry in personal_columns(table.name):
        column = table.c[entry.column]
        if entry.holds in {Holds.user, Holds.row_owner}:
            conditions.append(column == needles.user_id)
        elif entry.holds is Holds.user_list:
            conditions.append(cast(column, String).contains(f'"{needles.user_id}"'))
        elif entry.holds is Holds.email and needles.emails:
            conditions.append(func.lower(column).in_(sorted(e.lower() for e in needles.emails)))
    conditions.extend(_text_filter(table, needles))
    return or_(*conditions) if conditions else None


def _names_user(table: Table, row: dict[str, Any], needles: Needles) -> bool:
    """The exact test behind the SQL pre-filter: this row names the user."""
    lowered = {email.lower() for email in needles.emails}
    for entry in personal_columns(table.name):
        value = row.get(entry.column)
        if entry.holds in {Holds.user, Holds.row_owner} and value == needles.user_id:
            return True
        if entry.holds is Holds.user_list and needles.user_id in (value or []):
            return True
        if entry.holds is Holds.email and isinstance(value, str) and value.lower() in lowered:
            return True
    return any(needles.in_text(row.get(column)) for column in MENTIONS.get(table.name, ()))


def export_user(*, session: Session, team_id: str, user_id: str, now: datetime) -> dict[str, Any]:
    """Every row that names the user, table by table (the documented export schema), without
    credentials; when no row does, a `note` says so."""
    needles = Needles(user_id, user_emails(session=session, team_id=team_id, user_id=user_id))
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in tables_with_personal_data():
        table = _table(name)
        condition = _row_filter(table, needles)
        if condition is None:
            continue
        rows = session.execute(select(table).where(table.c.team_id == team_id, condition))
        found = [
            {
                key: _jsonable(value)
                for key, value in row._mapping.items()
                if not is_left_out_of_exports(name, key)
            }
            for row in rows
            if _names_user(table, dict(row._mapping), needles)
        ]
        if found:
            tables[name] = found
    document: dict[str, Any] = {
        "schema": EXPORT_SCHEMA,
        "team_id": team_id,
        "user_id": user_id,
        "exported_at": now.isoformat(),
        "tables": tables,
    }
    if not tables:
        # Said plainly: an empty export is as likely a typo in the id as "we hold nothing".
        document["note"] = (
            f"no row of workspace {team_id} names {user_id}: the bot never saw this user, "
            "their data was erased, or the id is mistyped"
        )
    return document


def export_row_count(document: dict[str, Any]) -> int:
    return sum(len(rows) for rows in document["tables"].values())


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
ERASED_RECIPIENT = "recipient erased"


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
    if secret is None:
        logger.warning(NO_SECRET_KEY_WARNING, extra={"team": team_id})
    alias = pseudonym(team_id=team_id, user_id=user_id, secret=secret)
    needles = Needles(user_id, user_emails(session=session, team_id=team_id, user_id=user_id))
    counts: Counter[str] = Counter()
    cancelled = _cancel_sends(session, team_id=team_id, user_id=user_id, now=now)
    if cancelled:
        counts["deliveries (sends cancelled)"] = cancelled
    _make_way_for_kept_rows(session, team_id=team_id, user_id=user_id, alias=alias)
    claimed = _claim_rows_named_by_email(
        session, team_id=team_id, user_id=user_id, emails=needles.emails
    )
    if claimed:
        counts["rows named by e-mail only"] = claimed
    for entry in sorted(PERSONAL, key=lambda entry: _ORDER.index(entry.holds)):
        changed = _erase_column(
            session, entry, team_id=team_id, user_id=user_id, alias=alias, emails=needles.emails
        )
        if changed:
            counts[f"{entry.table}.{entry.column}"] += changed
    for name, columns in MENTIONS.items():
        for column in columns:
            changed = _scrub_texts(session, _table(name), column, team_id, needles, alias=alias)
            if changed:
                counts[f"{name}.{column} (mentions)"] += changed
    for name, columns in FOLDED.items():
        for column in columns:
            changed = _scrub_texts(
                session, _table(name), column, team_id, needles, alias=alias, folded=True
            )
            if changed:
                counts[f"{name}.{column} (mentions)"] += changed
    for name, columns in KEYWORDS.items():
        for column in columns:
            changed = _drop_keywords(session, _table(name), column, team_id, needles)
            if changed:
                counts[f"{name}.{column} (keywords)"] += changed
    for name in SEMANTIC_VECTORS:  # derived from the texts just scrubbed: recomputed later
        session.execute(
            update(_table(name))
            .where(_table(name).c.team_id == team_id)
            .values(semantic_vector=None)
        )
    record_erasure(session=session, team_id=team_id, alias=alias, now=now)
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


def _cancel_sends(session: Session, *, team_id: str, user_id: str, now: datetime) -> int:
    """Sends still due to the user will never reach anyone: skipped now, not failed later."""
    return rows_affected(
        session.execute(
            update(Delivery)
            .where(
                Delivery.team_id == team_id,
                Delivery.recipient == user_id,
                Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry]),
            )
            .values(status=DeliveryStatus.skipped, error=ERASED_RECIPIENT, finished_at=now)
        )
    )


def _claim_rows_named_by_email(
    session: Session, *, team_id: str, user_id: str, emails: frozenset[str]
) -> int:
    """A row that names the user by one of their e-mails and by no user id (a CRM win's owner
    nobody in Slack had then, a lookup that missed) is theirs: it gets their id, so that the
    erasure below clears its e-mail and name and gives it the pseudonym, as for their other
    rows (the win then counts for "a former member")."""
    if not emails:
        return 0
    folded = sorted(e.lower() for e in emails)
    claimed = 0
    for entry in PERSONAL:
        if entry.holds is not Holds.email or entry.owner is None:
            continue
        table = _table(entry.table)
        owner = table.c[entry.owner]
        claimed += rows_affected(
            session.execute(
                update(table)
                .where(
                    table.c.team_id == team_id,
                    owner.is_(None),
                    func.lower(table.c[entry.column]).in_(folded),
                )
                .values({entry.owner: user_id})
            )
        )
    return claimed


def _make_way_for_kept_rows(session: Session, *, team_id: str, user_id: str, alias: str) -> None:
    """A digest opt-out already kept under the pseudonym stays the one: renaming the user's
    own would collide with it."""
    table = _table("digest_opt_outs")
    kept = session.scalar(
        select(func.count())
        .select_from(table)
        .where(table.c.team_id == team_id, table.c.user_id == alias)
    )
    if kept:
        session.execute(delete(table).where(table.c.team_id == team_id, table.c.user_id == user_id))


def _erase_column(
    session: Session,
    entry: Personal,
    *,
    team_id: str,
    user_id: str,
    alias: str,
    emails: frozenset[str],
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
        owned = or_(owned, func.lower(column).in_(sorted(e.lower() for e in emails)))
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
    key = list(table.primary_key.columns)
    rows = session.execute(
        select(*key, table.c[column]).where(
            table.c.team_id == team_id, cast(table.c[column], String).contains(f'"{user_id}"')
        )
    ).all()
    changed = 0
    for row in rows:
        *ids, values = row
        if user_id not in (values or []):
            continue
        renamed = [alias if value == user_id else value for value in values]
        session.execute(
            update(table)
            .where(*(k == v for k, v in zip(key, ids, strict=True)))
            .values({column: renamed})
        )
        changed += 1
    return changed


def _candidates(
    session: Session, table: Table, column: str, team_id: str, needles: Needles, *, folded: bool
) -> list[Any]:
    target = table.c[column]
    conditions = [_contains(target, needles.user_id, folded=folded)]
    conditions.extend(_contains(target, email, folded=True) for email in sorted(needles.emails))
    key = list(table.primary_key.columns)
    return list(
        session.execute(
            select(*key, target).where(table.c.team_id == team_id, or_(*conditions))
        ).all()
    )


def _scrub_texts(
    session: Session,
    table: Table,
    column: str,
    team_id: str,
    needles: Needles,
    *,
    alias: str,
    folded: bool = False,
) -> int:
    """Mentions and bare ids of the user become the pseudonym, their e-mails "[erased]"."""
    key = list(table.primary_key.columns)
    changed = 0
    for row in _candidates(session, table, column, team_id, needles, folded=folded):
        *ids, value = row
        if isinstance(value, str):
            replaced: Any = needles.scrub(value, alias=alias, folded=folded)
        else:
            dumped = json.dumps(value, ensure_ascii=False)
            replaced = json.loads(needles.scrub(dumped, alias=alias, folded=folded))
        if replaced == value:
            continue  # only a longer id (U10 for U1) or a longer address matched the pre-filter
        _update_row(session, table, key, ids, {column: replaced})
        changed += 1
    return changed


def _drop_keywords(
    session: Session, table: Table, column: str, team_id: str, needles: Needles
) -> int:
    stops = needles.keyword_stops()
    key = list(table.primary_key.columns)
    rows = session.execute(
        select(*key, table.c[column]).where(
            table.c.team_id == team_id,
            or_(*(_contains(table.c[column], stop, folded=True) for stop in sorted(stops))),
        )
    ).all()
    changed = 0
    for row in rows:
        *ids, value = row
        words = (value or "").split()
        kept = [word for word in words if word not in stops]
        if kept != words:
            _update_row(session, table, key, ids, {column: " ".join(kept)})
            changed += 1
    return changed


def _update_row(
    session: Session, table: Table, key: Iterable[Any], ids: list[Any], values: dict[str, Any]
) -> None:
    session.execute(
        update(table).where(*(k == v for k, v in zip(key, ids, strict=True))).values(values)
    )
