"""The config sidecar's settings (`sluice config-agent`, one beside each Prometheus, vmalert or
Alertmanager): which target it is, where its files go, and how to reload and verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from sluice.contracts.config_sync import TargetKind, config_queue
from sluice.settings.base import Section, SettingsError

# Where each kind listens by default, for reload and verification.
DEFAULT_TARGET_URLS = {
    "prometheus": "http://127.0.0.1:9090",
    "vmalert": "http://127.0.0.1:8880",
    "alertmanager": "http://127.0.0.1:9093",
}


class ConfigAgentSettings(Section):
    """`target`, `kind`, `api_url` and `token` are needed to run; `require()` says which miss."""

    target: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: TargetKind | None = None
    config_dir: Path = Path("/etc/prometheus/sluice")
    api_url: str | None = None  # the control plane, e.g. https://sluice.example.com
    token: SecretStr | None = None  # a token with the `config-agent` role
    target_url: str | None = None  # default: the kind's usual port on 127.0.0.1
    reload: Literal["http", "sighup"] = "http"  # POST <target_url>/-/reload, or SIGHUP
    pid_file: Path | None = None  # for `sighup`: the target's pid file ...
    process_name: str | None = None  # ... or its process name (/proc/<pid>/comm)
    alertmanager_file: str = "alertmanager.yml"  # the file Alertmanager's --config.file names
    verify_timeout: float = Field(default=30.0, gt=0)
    request_timeout: float = Field(default=10.0, gt=0)
    report_interval: float = Field(default=30.0, gt=0)
    drift_interval: float = Field(default=60.0, gt=0)
    max_backoff: float = Field(default=60.0, gt=0)  # between retries of an unreachable API
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)  # /metrics; None: off

    @property
    def queue(self) -> str:
        return config_queue(self.require_target())

    @property
    def base_url(self) -> str:
        url = self.target_url or DEFAULT_TARGET_URLS[self.kind or "prometheus"]
        return url.rstrip("/")

    def require_target(self) -> str:
        if not self.target:
            raise SettingsError(
                "config_agent.target is not set (env SLUICE_CONFIG_AGENT__TARGET): "
                "the target's name as registered in Sluice"
            )
        return self.target

    def require(self) -> None:
        """Raise SettingsError naming every key `sluice config-agent` needs and lacks."""
        missing = [
            f"  config_agent.{key} (env SLUICE_CONFIG_AGENT__{key.upper()}): {why}"
            for key, value, why in (
                ("target", self.target, "the target's name as registered in Sluice"),
                ("kind", self.kind, "prometheus, vmalert or alertmanager"),
                ("api_url", self.api_url, "the control plane's URL"),
                ("token", self.token, "a token with the config-agent role"),
            )
            if not value
        ]
        if self.reload == "sighup" and not (self.pid_file or self.process_name):
            missing.append(
                "  config_agent.pid_file or config_agent.process_name: reload=sighup needs "
                "the process to signal"
            )
        if missing:
            raise SettingsError("sluice config-agent cannot start:\n" + "\n".join(missing))
