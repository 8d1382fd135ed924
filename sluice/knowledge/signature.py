"""Error signatures: the alert name, the service and the error text with its variable parts
(numbers, hex ids, UUIDs, paths, timestamps, addresses) replaced, so two occurrences of one
problem share a signature."""

from __future__ import annotations

import hashlib
import re

MAX_ERROR_CHARS = 2000  # normalised text kept; the head of an error says what it is

# Order matters: wider shapes (timestamps, UUIDs, URLs) before the numbers inside them.
_REPLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?"
        ),
        "<ts>",
    ),
    (re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}"), "<date>"),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"[a-z][a-z0-9+.-]*://\S+"), "<url>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"(?:[a-z]:)?(?:[\\/][\w.@~-]+){2,}[\\/]?"), "<path>"),
    (re.compile(r"\b0x[0-9a-f]+\b"), "<hex>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"), "<hex>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def normalise_error(text: str) -> str:
    """`text` lowercased with its variable parts replaced by placeholders (`<n>`, `<hex>`,
    `<uuid>`, `<path>`, `<ts>`, ...) and runs of whitespace collapsed."""
    result = text.lower()
    for pattern, placeholder in _REPLACEMENTS:
        result = pattern.sub(placeholder, result)
    return result.strip()[:MAX_ERROR_CHARS]


def signature_key(alertname: str, service: str, error: str) -> str:
    """A short key for the exact signature (empty when all three parts are), to index and
    compare; `error` is normalised here, so raw and normalised text give one key."""
    parts = (alertname.strip(), service.strip(), normalise_error(error))
    if not any(parts):
        return ""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
