"""What a change owes the Home tabs: the tab of each person who sees it is shown anew."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.outbox.service import owe_refresh

HOME_KIND = "home"


def owe_homes(
    *, session: Session, team_id: str, user_ids: Iterable[str | None], now: datetime
) -> None:
    """Each of these people's Home tab is published again from the state this change leaves."""
    for user_id in dict.fromkeys(user for user in user_ids if user):
        owe_refresh(
            session=session,
            kind=HOME_KIND,
            team_id=team_id,
            recipient=user_id,
            subject=user_id,
            now=now,
        )
