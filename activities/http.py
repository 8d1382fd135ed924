"""HTTP answers and transport errors as Sluice error classes (webhooks, Jenkins, channels)."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
from temporalio.exceptions import ApplicationError

from sluice.actions import BODY_EXCERPT_BYTES

MAX_RETRY_AFTER_S = 600.0


def status_class(status: int) -> tuple[str, bool]:
    """(error class, retryable) of an HTTP status that is not a success."""
    if status == 429:
        return "rate_limit", True
    if status >= 500 or status == 408:
        return "network", True
    if status in (401, 403):
        return "auth", False
    if status in (404, 410):
        return "not_found", False
    if status == 409:
        return "conflict", False
    return "invalid_input", False


def retry_after_s(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (delta or HTTP date), capped; None if absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        date = response.headers.get("Date")
        now = parsedate_to_datetime(date) if date else None
        if now is None:
            return None
        seconds = (when - now).total_seconds()
    return max(0.0, min(seconds, MAX_RETRY_AFTER_S))


def excerpt(text: str, limit: int = BODY_EXCERPT_BYTES) -> str:
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore") + "…"


def response_failure(what: str, response: httpx.Response) -> ApplicationError:
    """A classified failure for a non-success answer; a 429/503 carries its Retry-After."""
    error_class, retryable = status_class(response.status_code)
    delay = retry_after_s(response) if retryable else None
    return ApplicationError(
        f"{what} answered HTTP {response.status_code}: {excerpt(response.text, 300)}",
        {"status": response.status_code, "retry_after_s": delay},
        type=error_class,
        non_retryable=not retryable,
        next_retry_delay=timedelta(seconds=delay) if delay is not None else None,
    )


def transport_failure(what: str, exc: httpx.HTTPError) -> ApplicationError:
    error_class = "timeout" if isinstance(exc, httpx.TimeoutException) else "network"
    return ApplicationError(
        f"{what}: {type(exc).__name__}: {exc}", type=error_class, non_retryable=False
    )
