"""The one settings tree: env vars prefixed SLUICE_ (nested with __), an optional YAML file.

The sections live by who reads them (`servers`, `agent`, `central`); every name is imported
from here, `from sluice.settings import X`.
"""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import pydantic_settings
import yaml
from pydantic import ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from sluice.settings.agent import DEFAULT_TEMP_SUFFIXES, AgentSettings
from sluice.settings.base import MiB, SettingsError
from sluice.settings.central import (
    AiSettings,
    JenkinsServer,
    JenkinsSettings,
    MonitorSettings,
    NotificationSettings,
    PipelineSettings,
    ReportSettings,
)
from sluice.settings.config_agent import ConfigAgentSettings
from sluice.settings.config_sync import ConfigSyncSettings
from sluice.settings.servers import (
    ApiSettings,
    DevSettings,
    StorageSettings,
    TemporalSettings,
    refuse_dev_keys,
)
from sluice.settings.tickets import TicketDeadline, TicketSettings

__all__ = [
    "DEFAULT_TEMP_SUFFIXES",
    "AgentSettings",
    "AiSettings",
    "ApiSettings",
    "ConfigAgentSettings",
    "ConfigSyncSettings",
    "DevSettings",
    "JenkinsServer",
    "JenkinsSettings",
    "MiB",
    "MonitorSettings",
    "NotificationSettings",
    "PipelineSettings",
    "ReportSettings",
    "Settings",
    "SettingsError",
    "StorageSettings",
    "TemporalSettings",
    "TicketDeadline",
    "TicketSettings",
    "describe_errors",
    "load_settings",
    "refuse_dev_keys",
]

_yaml_file: ContextVar[Path | None] = ContextVar("sluice_yaml_file", default=None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SLUICE_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    database_url: str = "sqlite:///.sluice/sluice.db"
    # Log lines of the long-running commands: "text" for people, "json" for collectors.
    log_format: Literal["text", "json"] = "text"
    temporal: TemporalSettings = TemporalSettings()
    storage: StorageSettings = StorageSettings()
    api: ApiSettings = ApiSettings()
    agent: AgentSettings = AgentSettings()
    ai: AiSettings = AiSettings()
    notifications: NotificationSettings = NotificationSettings()
    jenkins: JenkinsSettings = JenkinsSettings()
    pipeline: PipelineSettings = PipelineSettings()
    monitor: MonitorSettings = MonitorSettings()
    reports: ReportSettings = ReportSettings()
    dev: DevSettings = DevSettings()
    tickets: TicketSettings = TicketSettings()
    config_agent: ConfigAgentSettings = ConfigAgentSettings()
    config_sync: ConfigSyncSettings = ConfigSyncSettings()

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must be sqlite:///<path> or postgresql://user:pass@host/db")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        yaml_file = _yaml_file.get()
        if yaml_file is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file))
        return tuple(sources)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from overrides, then SLUICE_* env vars, then the YAML file.

    Raises SettingsError naming every bad key, so start-up fails with something to fix.
    """
    if config_file is not None and not config_file.is_file():
        raise SettingsError(f"config file {config_file} does not exist")
    token = _yaml_file.set(config_file)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc, config_file)) from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"config file {config_file} is not valid YAML: {exc}") from None
    except (pydantic_settings.SettingsError, ValueError) as exc:
        raise SettingsError(
            f"cannot read settings: {exc}. Lists and sections in SLUICE_* variables must be "
            "JSON, e.g. SLUICE_AGENT__ROOTS='[\"/data\"]'; a config file must be a YAML mapping"
        ) from None
    finally:
        _yaml_file.reset(token)


def describe_errors(exc: ValidationError, config_file: Path | None) -> str:
    where = f" (from {config_file} or SLUICE_* variables)" if config_file else ""
    lines = [f"invalid settings{where}:"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        env = "SLUICE_" + "__".join(str(p) for p in error["loc"] if isinstance(p, str)).upper()
        problem = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"  {key}: {problem} (env {env})")
    return "\n".join(lines)
