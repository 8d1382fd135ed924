"""When something applies: weekly windows ("Mon-Fri 09:00-18:00") in an IANA time zone.

Routes use them as active times, escalation steps to notify only within office hours, and
silences as recurring maintenance windows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from sluice.rules.windows import TimeWindow, check_timezone, check_window, parse_window

MAX_WINDOWS = 20


class Windows(BaseModel):
    """Any of `windows`, read in `timezone`; no windows means always."""

    model_config = ConfigDict(extra="forbid")

    windows: list[Annotated[str, AfterValidator(check_window)]] = Field(
        default_factory=list, max_length=MAX_WINDOWS
    )
    timezone: Annotated[str, AfterValidator(check_timezone)] = "UTC"

    _parsed: tuple[TimeWindow, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _parse(self) -> Windows:
        self._parsed = tuple(parse_window(text) for text in self.windows)
        return self

    def contains(self, moment: datetime) -> bool:
        if not self._parsed:
            return True
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        zone = ZoneInfo(self.timezone)
        return any(window.contains(aware, zone) for window in self._parsed)
