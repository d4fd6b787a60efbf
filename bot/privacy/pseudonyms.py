"""The stable stand-in an erased user's id becomes (rules; no Slack, no database).

A pseudonym is `X` + 10 upper-case hex digits, an HMAC-SHA-256 of `team:user` keyed with
SECRET_KEY. Without SECRET_KEY the key is a constant published in this file: anyone holding a
database dump and a list of the workspace's user ids could then tell whose pseudonym is whose,
so erasure warns when it runs without one. Slack ids never start with `X`.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from pydantic import SecretStr

PSEUDONYM_PREFIX = "X"
PUBLIC_KEY = "revops-bot"  # used only when SECRET_KEY is not set
NO_SECRET_KEY_WARNING = (
    "SECRET_KEY is not set: pseudonyms are keyed with a public constant, so anyone with the "
    "database and a list of user ids can tell whose pseudonym is whose"
)
_PSEUDONYM = re.compile(rf"^{PSEUDONYM_PREFIX}[0-9A-F]{{10}}$")


def pseudonym(*, team_id: str, user_id: str, secret: str | None) -> str:
    """A stable stand-in for a user id: the same user always gets the same pseudonym."""
    key = (secret or PUBLIC_KEY).encode()
    digest = hmac.new(key, f"{team_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:10].upper()


def is_pseudonym(value: str) -> bool:
    """Whether an id is a pseudonym left by an erasure (nobody to write to)."""
    return bool(_PSEUDONYM.match(value))


def key_of(secret_key: SecretStr | None) -> str | None:
    """The pseudonym key from the SECRET_KEY setting."""
    return secret_key.get_secret_value() if secret_key is not None else None
