"""What each change of the weekly digest owes in Slack: the one place that says it.

- Unsubscribing from a digest DM: that DM shown anew (what it said, and a note instead of its
  footer and button), and the member's Home tab.
- Unsubscribing from Home, resubscribing: the member's Home tab.
- A new digest day or hour: the admin's Home tab.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.home.effects import owe_homes
from bot.outbox.service import owe_message

MESSAGE_KIND = "digest-message"
UNSUBSCRIBED = "unsubscribed"


def owe_unsubscribed_digest(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    channel: str,
    ts: str,
    text: str,
    blocks: list[dict[str, Any]],
    now: datetime,
) -> None:
    """The digest DM the member unsubscribed from, edited in place: its content is kept (as
    Slack gave it with the click), the footer becomes a note. Once per message."""
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=user_id,
        key=f"unsubscribed-{channel}-{ts}",
        payload={
            "what": UNSUBSCRIBED,
            "channel": channel,
            "ts": ts,
            "text": text,
            "blocks": blocks,
        },
        now=now,
    )


def owe_home(*, session: Session, team_id: str, user_id: str, now: datetime) -> None:
    owe_homes(session=session, team_id=team_id, user_ids=[user_id], now=now)
