"""What the agent samples about its host (`agent.resources`), when that raises alerts, and
whether an admin may terminate a process there (off unless the host's own config says so)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field

from sluice.gowatchfile import seconds
from sluice.settings.base import Section

Duration = Annotated[float, BeforeValidator(seconds), Field(ge=0, le=7 * 86400)]
Ratio = Annotated[float, Field(gt=0, le=1)]


class Threshold(Section):
    """Alert once the value has stayed at or above `above` for `for`; resolve below it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    above: float = Field(gt=0)
    for_: Duration = Field(default=300.0, alias="for")
    severity: str = Field(default="warning", max_length=64)


class ResourceThresholds(Section):
    disk_used_ratio: Threshold | None = Threshold.model_validate({"above": 0.9, "for": 300.0})
    inode_used_ratio: Threshold | None = Threshold.model_validate({"above": 0.9, "for": 300.0})
    memory_used_ratio: Threshold | None = Threshold.model_validate({"above": 0.95, "for": 300.0})
    load_per_core: Threshold | None = Threshold.model_validate({"above": 4.0, "for": 600.0})


class TerminateSettings(Section):
    """Terminating processes from the console: only here, in the host's own config (it is
    not one of the keys the control plane may push)."""

    enabled: bool = False
    allow_names: list[str] = []  # process names (as `ps -o comm`), exact
    allow_users: list[str] = []  # owners, exact
    grace: Duration = Field(default=5.0, le=60)  # wait this long for SIGTERM to work
    kill_after_grace: bool = False  # then SIGKILL


class ResourceSettings(Section):
    enabled: bool = True
    interval: Duration = Field(default=15.0, ge=0.2)
    history: int = Field(default=240, ge=2, le=5000)  # samples kept for the sparklines
    top: int = Field(default=10, ge=1, le=50)  # processes per table
    resend: Duration = Field(default=300.0, ge=1)  # a firing alert is sent again this often
    thresholds: ResourceThresholds = ResourceThresholds()
    terminate: TerminateSettings = TerminateSettings()
