"""What the admins' privacy actions owe in Slack, in the transaction of the action itself.

- An export owes the requesting admin a DM with the file (rendered when it is sent, from the
  data as it is then: the file itself is never stored in the ledger).
- An erasure owes the admin a DM saying it is done, naming the pseudonym, never the person.
- Saved privacy settings owe the admin's Home tab.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from bot.home.effects import owe_homes
from bot.outbox.service import owe_message

MESSAGE_KIND = "privacy-message"


def owe_export(
    *, session: Session, team_id: str, admin_id: str, user_id: str, now: datetime
) -> None:
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=admin_id,
        key=f"export-{uuid.uuid4().hex[:16]}",
        payload={"what": "export", "user_id": user_id},
        now=now,
    )


def owe_erasure_done(
    *,
    session: Session,
    team_id: str,
    admin_id: str,
    alias: str,
    fields: int,
    now: datetime,
) -> None:
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=admin_id,
        key=f"erased-{uuid.uuid4().hex[:16]}",
        payload={"what": "erased", "alias": alias, "fields": fields},
        now=now,
    )


def owe_settings_saved(*, session: Session, team_id: str, admin_id: str, now: datetime) -> None:
    owe_homes(session=session, team_id=team_id, user_ids=[admin_id], now=now)
