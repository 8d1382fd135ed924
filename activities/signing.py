"""Signatures receivers check: Sluice's webhook HMAC and DingTalk's robot signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

SIGNATURE_HEADER = "X-Sluice-Signature"
TIMESTAMP_HEADER = "X-Sluice-Timestamp"


def webhook_headers(secret: str | None, body: bytes, now: float | None = None) -> dict[str, str]:
    """`X-Sluice-Timestamp` always; `X-Sluice-Signature: sha256=<hex HMAC of body>` with a secret.

    Receivers reject a timestamp too far from their clock (replays) and a signature that
    does not match the raw body.
    """
    headers = {TIMESTAMP_HEADER: str(int(now if now is not None else time.time()))}
    if secret:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers[SIGNATURE_HEADER] = f"sha256={digest}"
    return headers


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """URL-encoded base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode())
