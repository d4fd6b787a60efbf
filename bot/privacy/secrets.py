"""OAuth tokens at rest: encrypted with Fernet (cryptography) when SECRET_KEY is set.

slack_sdk's SQLAlchemy installation store keeps tokens in plain text; this store encrypts every
token column on the way in and decrypts on the way out, so a database dump holds no usable token.
Rows written before SECRET_KEY was set stay readable (they are not Fernet tokens) and are
encrypted the next time Slack re-installs the app.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
FERNET_PREFIX = "gAAAA"  # every Fernet token starts with version byte 0x80, base64 "gAAAA"


def fernet_for(secret_key: str) -> Fernet:
    """A Fernet from SECRET_KEY: a Fernet key as is, any other string through SHA-256."""
    try:
        return Fernet(secret_key.encode())
    except ValueError:
        digest = hashlib.sha256(secret_key.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))


class TokenCipher:
    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet

    def encrypt(self, token: str | None) -> str | None:
        if not token or token.startswith(FERNET_PREFIX):
            return token
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, stored: str | None) -> str | None:
        if not stored or not stored.startswith(FERNET_PREFIX):
            return stored  # written before SECRET_KEY was set
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise ValueError(
                "a stored Slack token cannot be decrypted: SECRET_KEY changed since it was saved"
            ) from None


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    def __init__(self, *, client_id: str, engine: Any, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = cipher

    def save(self, installation: Installation) -> None:
        # A copy: Bolt goes on using the installation it handed us, with its clear tokens.
        sealed = copy.copy(installation)
        for field in TOKEN_FIELDS:
            if hasattr(sealed, field):
                setattr(sealed, field, self.cipher.encrypt(getattr(sealed, field)))
        super().save(sealed)

    def save_bot(self, bot: Bot) -> None:
        sealed = copy.copy(bot)
        for field in ("bot_token", "bot_refresh_token"):
            setattr(sealed, field, self.cipher.encrypt(getattr(sealed, field)))
        super().save_bot(sealed)

    def _clear(self, row: Mapping[str, Any]) -> dict[str, Any]:
        plain = dict(row)
        for field in TOKEN_FIELDS:
            if field in plain:
                plain[field] = self.cipher.decrypt(plain[field])
        return plain

    def build_installation_entity(self, row: Mapping[str, Any]) -> Installation:  # type: ignore[override]
        return super().build_installation_entity(self._clear(row))

    def build_bot_entity(self, row: Mapping[str, Any]) -> Bot:  # type: ignore[override]
        return super().build_bot_entity(self._clear(row))
