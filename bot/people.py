"""How the bot names a person in anything it writes: a Slack mention, or "a former member".

An erased member's id is a pseudonym that names nobody (Slack would show an unknown user, or
the pseudonym itself): every card, report, digest and Home tab says "a former member".
"""

from __future__ import annotations

from bot.errors import N_
from bot.i18n import Translator
from bot.privacy.pseudonyms import is_pseudonym

FORMER_MEMBER = N_("a former member")
NOBODY = "—"


def person(t: Translator, user_id: str | None) -> str:
    if not user_id:
        return NOBODY
    return t.gettext(FORMER_MEMBER) if is_pseudonym(user_id) else f"<@{user_id}>"
