"""Input rules shared by every intake modal: bounded free text, links, and refusals by field.

A rules module with no dependency on the rest of the domain (service.py and filing.py both use
it). The limits are also the `max_length` of the modal inputs, so Slack stops over-long text
before it is typed; the checks stay because a payload can always be crafted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.errors import N_, Np_

TITLE_MAX = 150
NEED_MAX = 2000
LINK_MAX = 1000
NOTE_MAX = 2000
SUMMARY_MAX = 500
SHARE_MESSAGE_MAX = 1000  # the doc shared to a channel: what its post shows
HOURS_INPUT_MAX = 10  # "1.5", "24"
NUMBER_INPUT_MAX = 5  # a settings' whole number of hours or days ("200")
TOO_LONG = Np_(
    "Keep it under {max} character (it has {length}).",
    "Keep it under {max} characters (it has {length}).",
    "max",
)


@dataclass(frozen=True)
class FieldError:
    """A refusal shown on one modal field: an N_() msgid and its str.format parameters."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)


class InvalidInput(Exception):
    """Refused input, by field name; nothing was stored."""

    def __init__(self, errors: dict[str, FieldError]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def text_error(value: str, *, max_len: int, required: bool = True) -> FieldError | None:
    """A free-text field is required unless optional, and bounded so that Slack can show it."""
    if required and not value.strip():
        return FieldError(N_("This field is required."))
    if len(value) > max_len:
        return FieldError(TOO_LONG, {"max": max_len, "length": len(value)})
    return None


def link_error(value: str) -> FieldError | None:
    """An optional link must be an http(s) URL with a host."""
    if not value:
        return None
    if len(value) > LINK_MAX:
        return FieldError(TOO_LONG, {"max": LINK_MAX, "length": len(value)})
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in value:
        return FieldError(N_("This is not a link: paste a URL starting with https://"))
    return None
