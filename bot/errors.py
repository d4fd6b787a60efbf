"""Domain exceptions that end as a message to the user, through Bolt's one error handler."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it now (gettext's classic no-op)."""
    return message


class UserFacingError(Exception):
    """A refusal the user should read: a stale button, a missing permission, a wrong state.

    `message` is an English msgid marked with N_(); the error handler translates it into the
    user's language and fills `params` with str.format.
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params
