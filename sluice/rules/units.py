"""Sizes ("1MiB", 1048576) and durations ("500ms", "2h", 30) as written in rule documents."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

SIZE_UNITS = {
    "b": 1,
    "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
    "kib": KiB, "mib": MiB, "gib": GiB, "tib": 1024 * GiB,
}  # fmt: skip
DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

_SIZE = re.compile(r"(?P<number>-?\d+(?:\.\d+)?)\s*(?P<unit>[a-z]*)", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_size(value: Any) -> int:
    """Bytes from an int or a string such as "512", "10MB" (10^6) or "1.5GiB" (2^30)."""
    if isinstance(value, bool):
        raise PydanticCustomError("size", 'expected a size such as 1048576 or "1MiB"')
    if isinstance(value, int):
        number: float = value
    elif isinstance(value, float) and value.is_integer():
        number = value
    elif isinstance(value, str) and (found := _SIZE.fullmatch(value.strip())):
        unit = found["unit"].lower() or "b"
        if unit not in SIZE_UNITS:
            raise PydanticCustomError(
                "size", "unknown size unit {unit}; use B, KB, KiB, MB, MiB, GB, GiB, TB or TiB",
                {"unit": repr(found["unit"])},
            )  # fmt: skip
        number = float(found["number"]) * SIZE_UNITS[unit]
    else:
        raise PydanticCustomError(
            "size", 'expected a size such as 1048576 or "1MiB", got {value}', {"value": repr(value)}
        )
    if number < 0:
        raise PydanticCustomError(
            "size", "must not be negative, got {value}", {"value": repr(value)}
        )
    return int(number)


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string such as "500ms", "30s", "10m", "2h", "1d", "1h30m"."""
    if isinstance(value, bool):
        raise PydanticCustomError("duration", 'expected a duration such as 30 or "10m"')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(
        r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+", value.strip()
    ):
        seconds = sum(
            float(number) * DURATION_UNITS[unit]
            for number, unit in _DURATION_PART.findall(value.strip())
        )
    else:
        raise PydanticCustomError(
            "duration",
            'expected a duration such as 30, "500ms", "30s", "10m", "2h" or "1d", got {value}',
            {"value": repr(value)},
        )
    if seconds <= 0:
        raise PydanticCustomError(
            "duration", "must be positive, got {value}", {"value": repr(value)}
        )
    return seconds


def format_size(size: int) -> str:
    for unit, factor in (("TiB", 1024 * GiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


Size = Annotated[int, BeforeValidator(parse_size)]
Duration = Annotated[float, BeforeValidator(parse_duration)]


def size_range(minimum: int = 0, maximum: int | None = None) -> AfterValidator:
    """A check for `Size` fields with bounds, worded in the units people write."""

    def check(size: int) -> int:
        if size < minimum:
            raise PydanticCustomError(
                "size", "must be at least {minimum}, got {size}",
                {"minimum": format_size(minimum), "size": format_size(size)},
            )  # fmt: skip
        if maximum is not None and size > maximum:
            raise PydanticCustomError(
                "size", "must be at most {maximum}, got {size}",
                {"maximum": format_size(maximum), "size": format_size(size)},
            )  # fmt: skip
        return size

    return AfterValidator(check)
