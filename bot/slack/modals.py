"""Opening a modal within a trigger's life, and saying so when Slack does not open it.

A `trigger_id` lives 3 seconds: `views.open` gets one bounded try (no retry, no Retry-After
wait). When Slack fails (5xx, timeout, rate limit, an expired trigger), `ModalNotOpened` goes
to the one error path (bot/app.py), which tells the user where they are, in their language.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.client import without_retries

logger = logging.getLogger(__name__)

# Most of the trigger's 3 seconds: the ack and the reads before took some of them.
OPEN_TIMEOUT_SECONDS = 2


class ModalNotOpened(Exception):
    """Slack did not open a modal; `reason` is Slack's error code or the failure's kind."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_modal(client: WebClient, *, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
    """views.open, once, within the trigger's life; the opened view (its id and hash)."""
    try:
        response = without_retries(client, timeout=OPEN_TIMEOUT_SECONDS).views_open(
            trigger_id=trigger_id, view=view
        )
    except SlackApiError as error:
        code = error.response.get("error") or f"HTTP {error.response.status_code}"
        raise ModalNotOpened(str(code)) from error
    except (SlackClientError, OSError) as error:
        raise ModalNotOpened(type(error).__name__) from error
    return dict(response["view"])
