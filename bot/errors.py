"""Domain exceptions that end as a message to the user, through Bolt's one error handler."""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a string for translation without translating it now (gettext's classic no-op)."""
    return message


class Plural(str):
    """A msgid kept for later (a field error, a note) whose count a person reads: its text is
    the singular; `Translator.message` picks the reader's plural form by the parameter `n`
    names. Made with Np_(), which pybabel extracts as a singular/plural pair."""

    plural: str
    n: str

    def __new__(cls, singular: str, plural: str, n: str = "count") -> Plural:
        made = super().__new__(cls, singular)
        made.plural, made.n = plural, n
        return made

    def __reduce__(self) -> tuple[type[Plural], tuple[str, str, str]]:
        return (Plural, (str(self), self.plural, self.n))


def Np_(singular: str, plural: str, n: str = "count") -> Plural:
    """N_() with plural forms: Np_("At most {max} holiday.", "At most {max} holidays.", "max")."""
    return Plural(singular, plural, n)


class UserFacingError(Exception):
    """A refusal the user should read: a stale button, a missing permission, a wrong state.

    `message` is an English msgid marked with N_(); the error handler translates it into the
    user's language and fills `params` with str.format.
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params
