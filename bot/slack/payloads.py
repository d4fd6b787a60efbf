"""Slack payloads this code could not read, and Web API calls Slack refused: each said in one
log line (what, why, where in this code), and the request acked.

Slack signs every request, so a payload of an unexpected shape means Slack changed something
or this code has a bug. Either way Slack gets its ack (it retries, and counts as a failed
delivery, any other answer) and the log gets one line saying what could not be read and where
it was read; LOG_LEVEL=DEBUG adds the traceback. The person who clicked or submitted is told it
did not work (bot.app's error path), never left with a form that closed as if it had.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from slack_sdk.errors import SlackApiError

from bot.rowid import RowId as _RowId

logger = logging.getLogger("bot.app")

# What reading a payload of an unexpected shape raises: a missing key, an index out of range,
# a value of the wrong type (int() of a word, a dict method on a list), a failed pydantic parse
# (a ValueError), a number no date or column can hold, nesting past the recursion limit.
PAYLOAD_ERRORS: tuple[type[BaseException], ...] = (
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
    OverflowError,
    RecursionError,
)

_BOT = Path(__file__).resolve().parents[1]

# Re-exported: the row id type lives in bot/rowid.py (Slack-free, for interaction state).
RowId = _RowId


def log_unreadable(what: str, error: BaseException) -> None:
    """One line: which request, what was wrong, the line of this code that read it."""
    logger.warning(
        "unreadable slack payload",
        extra={
            "what": what,
            "error": f"{type(error).__name__}: {str(error)[:200]}",
            "where": raised_at(error),
        },
    )
    logger.debug("unreadable slack payload (traceback)", exc_info=error)


def log_slack_refusal(what: str, error: SlackApiError) -> None:
    """One line for a Web API call Slack refused (an unknown user, a missing scope, a bug in
    blocks...): which call, Slack's error code, the line of this code that made it."""
    response = error.response
    logger.error(
        "slack refused a call",
        extra={
            "what": what,
            "method": str(getattr(response, "api_url", "") or "").rsplit("/", 1)[-1] or "?",
            "error": (response.get("error") if response is not None else None) or "?",
            "where": raised_at(error),
        },
    )
    logger.debug("slack refused a call (traceback)", exc_info=error)


def raised_at(error: BaseException) -> str:
    """file:line (function) of the innermost frame in this package, else the innermost one."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if frame.filename.startswith(str(_BOT))]
    if not (ours or frames):
        return "?"
    frame = (ours or frames)[-1]
    path = Path(frame.filename)
    shown = path.relative_to(_BOT.parent) if path.is_relative_to(_BOT.parent) else path.name
    return f"{shown}:{frame.lineno} ({frame.name})"
