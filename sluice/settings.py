"""The one settings tree: env vars prefixed SLUICE_ (nested with __), an optional YAML file."""

from __future__ import annotations

import socket
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pydantic_settings
import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

MiB = 1024 * 1024
DEFAULT_TEMP_SUFFIXES = [".tmp", ".part", ".crdownload", ".download", ".swp", ".swx", ".swpx"]

_yaml_file: ContextVar[Path | None] = ContextVar("sluice_yaml_file", default=None)


class SettingsError(Exception):
    """Settings that cannot work; the message names each key and what is wrong with it."""


class Section(BaseModel):
    """A settings section: unknown keys are typos, and typos are errors."""

    model_config = ConfigDict(extra="forbid")


class TemporalSettings(Section):
    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "sluice"
    ui_url: str = "http://127.0.0.1:8233"
    tls: bool = False
    api_key: SecretStr | None = None


class StorageSettings(Section):
    endpoint_url: str | None = "http://127.0.0.1:8333"
    region: str = "us-east-1"
    bucket: str = Field(default="sluice", min_length=3, max_length=63)
    access_key: SecretStr | None = SecretStr("sluice")
    secret_key: SecretStr | None = SecretStr("sluice")
    path_style: bool = True
    verify_tls: bool = True
    ca_bundle: Path | None = None
    part_size: int = Field(default=8 * MiB, ge=5 * MiB, le=5 * 1024 * MiB)
    part_concurrency: int = Field(default=4, ge=1, le=64)
    key_template: str = "{host}/{relpath}"

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint_has_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class ApiSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"
    cors_origins: list[str] = []
    max_body_bytes: int = Field(default=1 * MiB, ge=1024)


class AgentSettings(Section):
    id: str = Field(default_factory=socket.gethostname, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    hostname: str = Field(default_factory=socket.gethostname)
    roots: list[Path] = [Path("inbox")]
    silence: float = Field(default=10.0, gt=0)
    scan_interval: float = Field(default=60.0, gt=0)
    include_suffixes: list[str] = []
    temp_suffixes: list[str] = DEFAULT_TEMP_SUFFIXES
    include_hidden: bool = False
    spool_path: Path = Path(".sluice/agent-spool.db")
    max_activities: int = Field(default=4, ge=1)
    api_url: str = "http://127.0.0.1:8000"
    token: SecretStr | None = None

    @field_validator("roots")
    @classmethod
    def _at_least_one_root(cls, value: list[Path]) -> list[Path]:
        if not value:
            raise ValueError("needs at least one directory to watch")
        return value

    @property
    def host_queue(self) -> str:
        return f"sluice-host-{self.id}"


class AiSettings(Section):
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    timeout: float = Field(default=60.0, gt=0)


class NotificationSettings(Section):
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True


class DevSettings(Section):
    """Ports and state of the embedded stack that `sluice dev` runs."""

    state_dir: Path = Path(".sluice")
    temporal_port: int = Field(default=7233, ge=1, le=65535)
    temporal_ui_port: int = Field(default=8233, ge=1, le=65535)
    s3_port: int = Field(default=8333, ge=1, le=55535)
    seaweed_master_port: int = Field(default=9333, ge=1, le=55535)
    seaweed_volume_port: int = Field(default=8088, ge=1, le=55535)
    seaweed_filer_port: int = Field(default=8888, ge=1, le=55535)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SLUICE_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    database_url: str = "sqlite:///.sluice/sluice.db"
    temporal: TemporalSettings = TemporalSettings()
    storage: StorageSettings = StorageSettings()
    api: ApiSettings = ApiSettings()
    agent: AgentSettings = AgentSettings()
    ai: AiSettings = AiSettings()
    notifications: NotificationSettings = NotificationSettings()
    dev: DevSettings = DevSettings()

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
