"""Inputs that answered 500 once: times at the edges of `datetime`, forged cursors."""

import base64
import json

EDGE_TIMES = ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00")
EDGE_DAYS = ("0001-01-01", "9999-12-31")


def forged(value: object) -> str:
    """A cursor built the way the API builds its own, around a value it never wrote."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD_CURSORS = (
    "²",
    "9" * 40,
    "-1",
    "x" * 5000,
    forged([EDGE_TIMES[0], "file-1"]),
    forged([EDGE_TIMES[1], "file-1"]),
    forged(["2026-01-01T00:00:00", "file-1"]),  # no zone
    forged(["2026-01-01T00:00:00Z", 7]),
    forged([10**40]),
    forged([0]),
    forged([True]),
    forged([[[[]]]]),
    forged({"a": 1}),
)
