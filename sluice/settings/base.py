"""What every settings section shares: strict keys, the error start-up reports, units."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MiB = 1024 * 1024


class SettingsError(Exception):
    """Settings that cannot work; the message names each key and what is wrong with it."""


class Section(BaseModel):
    """A settings section: unknown keys are typos, and typos are errors."""

    model_config = ConfigDict(extra="forbid")
