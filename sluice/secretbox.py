"""Secrets encrypted at rest with Fernet (AES-128-CBC + HMAC) under a settings key.

The current key seals; it and any previous keys open, so a key can be rotated without a
window in which stored secrets cannot be read (`sluice secrets rotate` re-seals them all).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

if TYPE_CHECKING:
    from sluice.settings import NotificationSettings


class SecretKeyMissing(Exception):
    """Channels hold secrets but no `notifications.secret_key` is configured."""


class SecretUnreadable(Exception):
    """A stored secret decrypts with none of the configured keys (the key changed?)."""


class SecretBox:
    """Encrypts a dict of secret strings into one token, and back."""

    def __init__(self, key: SecretStr | None, previous: Sequence[SecretStr] = ()) -> None:
        self._current = Fernet(_fernet_key(key.get_secret_value())) if key else None
        self._previous = [Fernet(_fernet_key(old.get_secret_value())) for old in previous]
        self._all = MultiFernet([self._current, *self._previous]) if self._current else None

    @classmethod
    def of(cls, notifications: NotificationSettings) -> SecretBox:
        return cls(notifications.secret_key, notifications.previous_secret_keys)

    @classmethod
    def from_text(cls, key: str, *previous: str) -> SecretBox:
        return cls(SecretStr(key), [SecretStr(old) for old in previous])

    @property
    def ready(self) -> bool:
        return self._all is not None

    def seal(self, secrets: dict[str, str]) -> str:
        if self._all is None:
            raise SecretKeyMissing(
                "secrets need notifications.secret_key "
                "(env SLUICE_NOTIFICATIONS__SECRET_KEY) to be encrypted at rest"
            )
        return self._all.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()

    def open(self, token: str | None) -> dict[str, str]:
        if not token:
            return {}
        try:
            secrets: dict[str, str] = json.loads(self._keys().decrypt(token.encode()))
        except InvalidToken:
            raise _unreadable() from None
        return secrets

    def reseal(self, token: str) -> str:
        """The same secrets sealed again under the current key."""
        try:
            return self._keys().rotate(token.encode()).decode()
        except InvalidToken:
            raise _unreadable() from None

    def opens_with_current_key(self, token: str) -> bool:
        """False when only a previous key opens the token (SecretUnreadable when none does)."""
        self.open(token)
        assert self._current is not None
        try:
            self._current.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def _keys(self) -> MultiFernet:
        if self._all is None:
            raise SecretKeyMissing(
                "encrypted secrets are stored but notifications.secret_key is not set"
            )
        return self._all


def _unreadable() -> SecretUnreadable:
    return SecretUnreadable(
        "a stored secret decrypts with neither notifications.secret_key nor any of "
        "notifications.previous_secret_keys"
    )


def _fernet_key(text: str) -> bytes:
    """A Fernet key as given, or one derived from a passphrase (SHA-256)."""
    try:
        if len(base64.urlsafe_b64decode(text.encode())) == 32:
            return text.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
