"""The host daemon's settings, and which of them the control plane may push."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator

from sluice.contracts import host_queue
from sluice.logalerts import LogAlertSettings
from sluice.patterns import MAX_PATTERN_CHARS
from sluice.settings.base import Section
from sluice.settings.resources import ResourceSettings

DEFAULT_TEMP_SUFFIXES = [".tmp", ".part", ".crdownload", ".download", ".swp", ".swx", ".swpx"]

# Globs pushed from the control plane: bounded, so RE2 matches them in bounded work per path.
AgentGlobs = Annotated[
    list[Annotated[str, Field(max_length=MAX_PATTERN_CHARS)]], Field(max_length=100)
]


class AgentSettings(Section):
    """The host daemon. Keys in LIVE_KEYS can also be pushed from the control plane."""

    LIVE_KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "roots", "labels", "silence", "close_settle", "scan_interval", "include_suffixes",
            "include_globs", "exclude_dirs", "exclude_globs", "temp_suffixes", "include_hidden",
            "min_size", "max_size", "max_activities", "view_activities", "max_in_flight",
            "dispatch_rate", "spool_high_water", "spool_retention", "log_alerts",
        }
    )  # fmt: skip

    id: str = Field(default_factory=socket.gethostname, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    hostname: str = Field(default_factory=socket.gethostname)
    labels: dict[str, str] = {}
    roots: list[Path] = [Path("inbox")]
    observer: Literal["inotify", "polling"] = "inotify"
    poll_interval: float = Field(default=5.0, gt=0)
    silence: float = Field(default=10.0, gt=0)
    close_settle: float | None = Field(default=None, ge=0)
    scan_interval: float = Field(default=300.0, gt=0)  # a backstop: inotify catches the rest
    backfill: bool = True
    include_suffixes: list[str] = []
    include_globs: AgentGlobs = []
    exclude_dirs: list[str] = []
    exclude_globs: AgentGlobs = []
    temp_suffixes: list[str] = DEFAULT_TEMP_SUFFIXES
    include_hidden: bool = False
    min_size: int = Field(default=0, ge=0)
    max_size: int | None = Field(default=None, ge=0)
    spool_path: Path = Path(".sluice/agent-spool.db")
    spool_retention: float = Field(default=7 * 86400.0, gt=0)
    spool_high_water: int = Field(default=10_000, ge=1)
    max_activities: int = Field(default=4, ge=1)
    view_activities: int = Field(default=2, ge=1)  # host views at once, apart from the above
    max_in_flight: int = Field(default=1000, ge=0)
    dispatch_rate: float = Field(default=200.0, ge=0)
    shutdown_grace: float = Field(default=20.0, ge=0)
    api_url: str | None = None  # the control plane; None runs from local config only
    token: SecretStr | None = None
    heartbeat_interval: float = Field(default=15.0, gt=0)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=9464, ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    script_allow: list[str] = []
    log_alerts: LogAlertSettings = LogAlertSettings()  # log keyword alerts (docs/agent.md)
    resources: ResourceSettings = ResourceSettings()  # host resources (docs/host-views.md)

    @field_validator("roots")
    @classmethod
    def _at_least_one_root(cls, value: list[Path]) -> list[Path]:
        if not value:
            raise ValueError("needs at least one directory to watch")
        return value

    @property
    def host_queue(self) -> str:
        return host_queue(self.id)

    @property
    def state_dir(self) -> Path:
        """Where the spool and the cached control-plane config live."""
        return self.spool_path.parent

    def with_live(self, pushed: dict[str, Any]) -> AgentSettings:
        """These settings with the control plane's keys applied; ValueError names bad keys."""
        unknown = set(pushed) - self.LIVE_KEYS
        if unknown:
            raise ValueError(f"not settable from the control plane: {sorted(unknown)}")
        try:
            return AgentSettings.model_validate({**self.model_dump(), **pushed})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(problems) from None
