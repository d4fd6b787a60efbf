"""Can the bot post in a channel an admin picked? If not, can it join, or must it be invited?"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import without_retries


@dataclass(frozen=True)
class ChannelAccess:
    channel_id: str
    exists: bool
    is_member: bool
    is_private: bool
    name: str = ""

    @property
    def can_post(self) -> bool:
        return self.exists and self.is_member

    @property
    def can_join(self) -> bool:
        """A public channel the bot is not in yet: it may join it itself (channels:join)."""
        return self.exists and not self.is_member and not self.is_private


def channel_access(client: WebClient, channel_id: str) -> ChannelAccess:
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") in {"channel_not_found", "missing_scope"}:
            # A private channel the bot is not in looks like "not found" to it.
            return ChannelAccess(channel_id, exists=False, is_member=False, is_private=True)
        raise
    return ChannelAccess(
        channel_id,
        exists=True,
        is_member=bool(channel.get("is_member")),
        is_private=bool(channel.get("is_private")),
        name=channel.get("name", ""),
    )


def channel_access_now(client: WebClient, channel_id: str) -> ChannelAccess | None:
    """`channel_access` from one quick try, or None when Slack did not say in time (rate
    limited, slow, unreachable): for a check made before an ack, redone after it."""
    try:
        return channel_access(without_retries(client), channel_id)
    except (SlackApiError, OSError):  # socket timeouts and URLError are OSErrors
        return None


def join(client: WebClient, channel_id: str) -> None:
    client.conversations_join(channel=channel_id)
