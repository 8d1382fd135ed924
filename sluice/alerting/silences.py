"""Silences: matchers that mute notifications for matching alerts between `starts_at` and
`ends_at`, or only inside recurring weekly windows (maintenance) in that span.

Two options go beyond Alertmanager, which never speaks of a silenced alert again: a resolved
notice for alerts that resolved while silenced (`notify_resolved`), and a notice when the
silence ends while its alerts still fire (`notify_on_expiry`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sluice.alerting.matchers import matches_all, parse_matchers
from sluice.alerting.windows import Windows


class SilenceLike(Protocol):
    id: int | None
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    recurrence: dict[str, Any]


def in_force(silence: SilenceLike, now: datetime) -> bool:
    """Whether `silence` mutes at `now`: inside its span and, if recurring, a window."""
    if not silence.starts_at <= now < silence.ends_at:
        return False
    return Windows.model_validate(silence.recurrence or {}).contains(now)


def silenced_by(
    silences: Iterable[SilenceLike], labels: Mapping[str, Any], now: datetime
) -> int | None:
    """The id of the first silence in force that matches `labels`."""
    for silence in silences:
        if in_force(silence, now) and matches_all(parse_matchers(silence.matchers), labels):
            return silence.id
    return None
