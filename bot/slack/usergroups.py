"""Who is in a Slack user group (managers allowed to file, the RevOps team, project members)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import without_retries

logger = logging.getLogger(__name__)

# Membership changes rarely; a short cache saves a Tier 2 call on every click.
CACHE_SECONDS = 300.0
# A user group picker asks for options on every keystroke: one usergroups.list a minute.
GROUP_LIST_SECONDS = 60.0


class UsergroupMembers:
    def __init__(self, cache_seconds: float = CACHE_SECONDS) -> None:
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        self._groups: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    def groups(self, client: WebClient, *, team_id: str) -> list[dict[str, Any]]:
        """The workspace's user groups, for an options menu that must answer within Slack's
        3 seconds: cached a minute, one quick try (no retry, no Retry-After wait), and the
        last list known (or none) when Slack does not answer in time."""
        now = time.monotonic()
        with self._lock:
            cached = self._groups.get(team_id)
        if cached and now - cached[0] < GROUP_LIST_SECONDS:
            return cached[1]
        try:
            response = without_retries(client).usergroups_list()
        except (SlackApiError, OSError) as error:
            logger.warning(
                "usergroups.list unanswered, %s known groups shown: %s",
                "last" if cached else "no",
                error,
            )
            return cached[1] if cached else []
        groups = list(response.get("usergroups") or [])
        with self._lock:
            self._groups[team_id] = (now, groups)
        return groups

    def members(self, client: WebClient, *, team_id: str, usergroup_id: str) -> frozenset[str]:
        key = (team_id, usergroup_id)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached and now - cached[0] < self._cache_seconds:
                return cached[1]
        response = client.usergroups_users_list(usergroup=usergroup_id)
        users = frozenset(response.get("users") or [])
        with self._lock:
            self._cache[key] = (now, users)
        return users

    def is_member(
        self, client: WebClient, *, team_id: str, usergroup_ids: list[str], user_id: str
    ) -> bool:
        return any(
            user_id in self.members(client, team_id=team_id, usergroup_id=group)
            for group in usergroup_ids
        )

    def forget(self, *, team_id: str, usergroup_id: str) -> None:
        """Called on `subteam_members_changed` so a change is seen at once."""
        with self._lock:
            self._cache.pop((team_id, usergroup_id), None)
