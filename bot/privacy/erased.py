"""Who was erased, and what that means afterwards (rules; no Slack imports).

Erasure means the bot stops holding the person's data. If they are still in Slack, the bot
does not bring them back on its own: the daily member sync (users.list) and Slack's profile
events (`user_change`) skip them, so no profile, no digest schedule, no scheduled DM. If they
use the bot again (or someone names them in a request, a project or a win), Slack tells the bot
who they are and they start afresh as a new member; a digest opt-out they had before the
erasure still holds: it was kept under their pseudonym and becomes theirs again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore, rows_affected
from bot.digests.models import DigestOptOut
from bot.privacy.models import ErasedMember
from bot.privacy.pseudonyms import pseudonym


def record_erasure(*, session: Session, team_id: str, alias: str, now: datetime) -> None:
    """Remember, by pseudonym only, that this member was erased (twice is harmless)."""
    insert_or_ignore(
        session,
        ErasedMember,
        [{"team_id": team_id, "pseudonym": alias, "erased_at": now}],
        ["team_id", "pseudonym"],
    )


def erased_among(
    *, session: Session, team_id: str, user_ids: Iterable[str], secret: str | None
) -> set[str]:
    """The user ids, among these, of members who were erased and have not come back."""
    by_alias = {pseudonym(team_id=team_id, user_id=user, secret=secret): user for user in user_ids}
    if not by_alias:
        return set()
    found = session.scalars(
        select(ErasedMember.pseudonym).where(
            ErasedMember.team_id == team_id, ErasedMember.pseudonym.in_(sorted(by_alias))
        )
    )
    return {by_alias[alias] for alias in found}


def welcome_back(*, session: Session, team_id: str, user_id: str, secret: str | None) -> bool:
    """An erased member uses the bot again: they are a member afresh, and the digest opt-out
    they had before the erasure is theirs again. Returns whether they had been erased."""
    alias = pseudonym(team_id=team_id, user_id=user_id, secret=secret)
    returned = rows_affected(
        session.execute(
            delete(ErasedMember).where(
                ErasedMember.team_id == team_id, ErasedMember.pseudonym == alias
            )
        )
    )
    if not returned:
        return False
    if session.get(DigestOptOut, (team_id, user_id)) is None:
        session.execute(
            update(DigestOptOut)
            .where(DigestOptOut.team_id == team_id, DigestOptOut.user_id == alias)
            .values(user_id=user_id)
        )
    return True
