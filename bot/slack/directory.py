"""The member directory: Slack profiles (time zone, locale, admin flags) cached in the database.

The cache is a table, not process memory, so every web worker and clock shares it. Members
whose data was erased are not brought back by the daily sync or by Slack's profile events;
a lookup for one (they use the bot again, or someone names them) makes them a member afresh
(see bot/privacy/erased.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.privacy import erased
from bot.workspaces import service as workspaces
from bot.workspaces.models import Member
from bot.workspaces.service import MemberProfile

logger = logging.getLogger(__name__)

USERS_LIST_PAGE = 200


def profile_from_slack(user: Mapping[str, Any]) -> MemberProfile:
    """Translate a Slack user object (users.info, users.list, user_change) to a MemberProfile."""
    profile = user.get("profile") or {}
    return MemberProfile(
        user_id=user["id"],
        # What people call them: the display name they chose, else their full name; never the
        # lowercase handle (`name`), which reads like a login ("ben, here is your week").
        name=profile.get("display_name") or profile.get("real_name") or user.get("real_name") or "",
        tz=user.get("tz") or "UTC",
        locale=user.get("locale"),
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner")),
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )


# Most listeners start by asking who the user is; a short in-process memory spares the
# database that question on every click. The table stays the cache every process shares.
MEMORY_SECONDS = 60.0


class UserDirectory:
    def __init__(
        self, session_factory: sessionmaker[Session], *, secret: str | None = None
    ) -> None:
        self._session_factory = session_factory
        self._secret = secret  # keys the pseudonyms of erased members
        self._lock = threading.Lock()
        self._memory: dict[tuple[str, str], tuple[float, Member]] = {}

    def member(self, client: WebClient, *, team_id: str, user_id: str) -> Member:
        """The cached member, fetched from Slack (users.info with locale) when missing or stale."""
        key = (team_id, user_id)
        with self._lock:
            remembered = self._memory.get(key)
        if remembered and time.monotonic() - remembered[0] < MEMORY_SECONDS:
            return remembered[1]
        now = datetime.now(UTC)
        with session_scope(self._session_factory) as session:
            cached = workspaces.find_member(session=session, team_id=team_id, user_id=user_id)
        if cached is None or not workspaces.is_fresh(cached, now=now):
            response = client.users_info(user=user_id, include_locale=True)
            profile = profile_from_slack(response["user"])
            with session_scope(self._session_factory) as session:
                if cached is None:
                    erased.welcome_back(
                        session=session, team_id=team_id, user_id=user_id, secret=self._secret
                    )
                cached = workspaces.save_member(
                    session=session, team_id=team_id, profile=profile, now=now
                )
        with self._lock:
            self._memory[key] = (time.monotonic(), cached)
        return cached

    def forget(self, *, team_id: str, user_id: str) -> None:
        with self._lock:
            self._memory.pop((team_id, user_id), None)

    def remember(self, *, team_id: str, user: Mapping[str, Any]) -> None:
        """Store a profile Slack pushed to us (the `user_change` event), unless it is of an
        erased member."""
        self.forget(team_id=team_id, user_id=user["id"])
        with session_scope(self._session_factory) as session:
            if erased.erased_among(
                session=session, team_id=team_id, user_ids=[user["id"]], secret=self._secret
            ):
                return
            workspaces.save_member(
                session=session,
                team_id=team_id,
                profile=profile_from_slack(user),
                now=datetime.now(UTC),
            )

    def sync(self, client: WebClient, *, team_id: str) -> int:
        """Refresh every member from paged users.list (one call per 200 users, not per user);
        erased members are skipped."""
        count = 0
        now = datetime.now(UTC)
        with self._lock:
            self._memory = {key: value for key, value in self._memory.items() if key[0] != team_id}
        for page in _users_pages(client):
            with session_scope(self._session_factory) as session:
                gone = erased.erased_among(
                    session=session,
                    team_id=team_id,
                    user_ids=[user["id"] for user in page],
                    secret=self._secret,
                )
                count += workspaces.save_members(
                    session=session,
                    team_id=team_id,
                    profiles=[profile_from_slack(user) for user in page if user["id"] not in gone],
                    now=now,
                )
        return count


def _users_pages(client: WebClient) -> Iterator[list[dict[str, Any]]]:
    for response in client.users_list(limit=USERS_LIST_PAGE, include_locale=True):
        yield list(response.get("members") or [])
