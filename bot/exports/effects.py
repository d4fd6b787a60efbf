"""What an admin's export owes in Slack: the file by DM, made when it goes out (from the data
as it is then: the file itself is never stored in the ledger), through the outbox, so that it
is neither lost in a Slack outage nor sent twice by a retried click."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.exports.columns import ExportKind
from bot.outbox.service import owe_message

MESSAGE_KIND = "csv-export"


def owe_export(
    *,
    session: Session,
    team_id: str,
    admin_id: str,
    kind: ExportKind,
    start: date | None,
    end: date | None,
    excel: bool,
    now: datetime,
) -> None:
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=admin_id,
        key=f"export-{uuid.uuid4().hex[:16]}",
        payload={
            "kind": kind.value,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "excel": excel,
        },
        now=now,
    )
