"""How a user is recognised in free text: their id on id boundaries (`U1` is not inside
`U10`), their e-mails whole and case blind (rules; no Slack, no database)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

ERASED_TEXT = "[erased]"

# Slack ids are upper-case letters and digits: an id is only itself when neither touches it.
_ID_EDGE_BEFORE = r"(?<![A-Za-z0-9])"
_ID_EDGE_AFTER = r"(?![A-Za-z0-9])"
# An e-mail ends where no address character (nor a dot and more of the domain) follows.
_EMAIL_EDGE_BEFORE = r"(?<![\w.+-])"
_EMAIL_EDGE_AFTER = r"(?![\w-]|\.\w)"


@dataclass(frozen=True)
class Needles:
    """What names the user in free text: their id and their e-mails."""

    user_id: str
    emails: frozenset[str]

    @cached_property
    def id_pattern(self) -> re.Pattern[str]:
        return re.compile(_ID_EDGE_BEFORE + re.escape(self.user_id) + _ID_EDGE_AFTER)

    @cached_property
    def folded_id_pattern(self) -> re.Pattern[str]:
        return re.compile(_ID_EDGE_BEFORE + re.escape(self.user_id) + _ID_EDGE_AFTER, re.IGNORECASE)

    @cached_property
    def email_pattern(self) -> re.Pattern[str] | None:
        if not self.emails:
            return None
        alternatives = "|".join(re.escape(email) for email in sorted(self.emails, key=len)[::-1])
        return re.compile(
            _EMAIL_EDGE_BEFORE + f"(?:{alternatives})" + _EMAIL_EDGE_AFTER, re.IGNORECASE
        )

    def in_text(self, value: Any) -> bool:
        text = _as_text(value)
        if text is None:
            return False
        email = self.email_pattern
        return bool(self.id_pattern.search(text) or (email and email.search(text)))

    def scrub(self, text: str, *, alias: str, folded: bool = False) -> str:
        ids = self.folded_id_pattern if folded else self.id_pattern
        text = ids.sub(alias.casefold() if folded else alias, text)
        if self.email_pattern is not None:
            text = self.email_pattern.sub(ERASED_TEXT, text)
        return text

    def keyword_stops(self) -> set[str]:
        """Keywords that name the user: their id, and the words of their e-mails' local part."""
        stops = {self.user_id.casefold()}
        for email in self.emails:
            for word in re.findall(r"[a-z0-9]+", email.split("@")[0].lower()):
                stops.update({word, word[:-1] if word.endswith("s") else word})
        return stops


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
