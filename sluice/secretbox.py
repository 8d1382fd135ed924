"""Channel secrets encrypted at rest with Fernet (AES-128-CBC + HMAC) under a settings key."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr


class SecretKeyMissing(Exception):
    """Channels hold secrets but no `notifications.secret_key` is configured."""


class SecretUnreadable(Exception):
    """A stored secret does not decrypt with the configured key (the key changed?)."""


class SecretBox:
    """Encrypts a channel's secrets (a dict of strings) into one token, and back."""

    def __init__(self, key: SecretStr | None) -> None:
        self._fernet = Fernet(_fernet_key(key.get_secret_value())) if key else None

    @classmethod
    def from_text(cls, key: str) -> SecretBox:
        return cls(SecretStr(key))

    @property
    def ready(self) -> bool:
        return self._fernet is not None

    def seal(self, secrets: dict[str, str]) -> str:
        if self._fernet is None:
            raise SecretKeyMissing(
                "channel secrets need notifications.secret_key "
                "(env SLUICE_NOTIFICATIONS__SECRET_KEY) to be encrypted at rest"
            )
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()

    def open(self, token: str | None) -> dict[str, str]:
        if not token:
            return {}
        if self._fernet is None:
            raise SecretKeyMissing(
                "a channel has encrypted secrets but notifications.secret_key is not set"
            )
        try:
            secrets: dict[str, str] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise SecretUnreadable(
                "a channel secret does not decrypt with notifications.secret_key"
            ) from None
        return secrets


def _fernet_key(text: str) -> bytes:
    """A Fernet key as given, or one derived from a passphrase (SHA-256)."""
    try:
        if len(base64.urlsafe_b64decode(text.encode())) == 32:
            return text.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
