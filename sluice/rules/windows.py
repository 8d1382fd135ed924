"""Time windows such as "Mon-Fri 09:00-18:00", "Sat,Sun 00:00-24:00" or "22:00-06:00"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WINDOW = re.compile(
    r"(?:(?P<days>[A-Za-z,\- ]+?)\s+)?(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})"
)


@dataclass(frozen=True)
class TimeWindow:
    """Days of the week (0 = Monday) and minutes of the day [start, end).

    When end <= start the window runs overnight: it opens on one of `days` at `start` and
    closes at `end` on the following day.
    """

    text: str
    days: frozenset[int]
    start: int
    end: int

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        if self.start < self.end:
            return day in self.days and self.start <= minute < self.end
        yesterday = (day - 1) % 7  # not `local - 1 day`, which overflows on 0001-01-01
        return (day in self.days and minute >= self.start) or (
            yesterday in self.days and minute < self.end
        )


def parse_window(text: str) -> TimeWindow:
    """Parse a window; raises ValueError with a message saying what is wrong."""
    found = _WINDOW.fullmatch(text.strip())
    if not found:
        raise ValueError(
            f'invalid window {text!r}; expected e.g. "Mon-Fri 09:00-18:00", '
            '"Sat,Sun 00:00-24:00" or "22:00-06:00"'
        )
    days = _parse_days(found["days"], text) if found["days"] else frozenset(range(7))
    start, end = _minutes(found["start"], text), _minutes(found["end"], text)
    if start == 24 * 60:
        raise ValueError(f"window {text!r} cannot start at 24:00")
    if start == end:
        raise ValueError(f"window {text!r} is empty: it starts and ends at {found['start']}")
    return TimeWindow(text=text, days=days, start=start, end=end)


def check_window(text: str) -> str:
    """A field validator: the window as written, once it parses."""
    parse_window(text)
    return text


def check_timezone(name: str) -> str:
    """A field validator: an IANA time zone name this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}; use an IANA name such as UTC or Asia/Shanghai"
        ) from None
    return name


def _parse_days(names: str, text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in names.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        a = _day(first, text)
        b = _day(last, text) if last else a
        days.update((a + offset) % 7 for offset in range((b - a) % 7 + 1))
    return frozenset(days)


def _day(name: str, text: str) -> int:
    key = name.lower()
    for index, day in enumerate(FULL_DAYS):
        if key in (day, day[:3]):
            return index
    raise ValueError(f"unknown day {name!r} in window {text!r}; use Mon Tue Wed Thu Fri Sat Sun")


def _minutes(clock: str, text: str) -> int:
    hours, minutes = (int(part) for part in clock.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"invalid time {clock!r} in window {text!r}")
    return hours * 60 + minutes
