"""The one settings tree: env vars prefixed SLUICE_ (nested with __), an optional YAML file."""

from __future__ import annotations

import re
import socket
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic_settings
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from sluice.contracts import host_queue
from sluice.keys import check_key_template
from sluice.patterns import MAX_PATTERN_CHARS

MiB = 1024 * 1024
DEFAULT_TEMP_SUFFIXES = [".tmp", ".part", ".crdownload", ".download", ".swp", ".swx", ".swpx"]
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Globs pushed from the control plane: bounded, so RE2 matches them in bounded work per path.
AgentGlobs = Annotated[
    list[Annotated[str, Field(max_length=MAX_PATTERN_CHARS)]], Field(max_length=100)
]

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


DEV_S3_KEY = "sluice"  # the embedded SeaweedFS's; only for a server on this machine


class StorageSettings(Section):
    endpoint_url: str | None = "http://127.0.0.1:8333"
    region: str = "us-east-1"
    bucket: str = Field(default="sluice", min_length=3, max_length=63)
    access_key: SecretStr | None = SecretStr(DEV_S3_KEY)
    secret_key: SecretStr | None = SecretStr(DEV_S3_KEY)
    path_style: bool = True
    verify_tls: bool = True
    ca_bundle: Path | None = None
    part_size: int = Field(default=8 * MiB, ge=5 * MiB, le=5 * 1024 * MiB)
    part_concurrency: int = Field(default=4, ge=1, le=64)
    key_template: str = "{host}/{relpath}"
    # How the server checks that an upload's bytes arrived intact. "checksum": each body
    # carries one (single-part: the SHA-256 Sluice computes anyway; parts: CRC32) and is
    # not hashed again into the SigV4 signature. "signature": bodies are signed (SHA-256 of
    # every part, on both sides), for servers without S3's checksum headers.
    body_integrity: Literal["checksum", "signature"] = "checksum"

    _key_template = field_validator("key_template")(check_key_template)

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
    """The host daemon. Keys in LIVE_KEYS can also be pushed from the control plane."""

    LIVE_KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "roots", "labels", "silence", "close_settle", "scan_interval", "include_suffixes",
            "include_globs", "exclude_dirs", "exclude_globs", "temp_suffixes", "include_hidden",
            "min_size", "max_size", "max_activities", "max_in_flight", "dispatch_rate",
            "spool_high_water", "spool_retention",
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


class AiSettings(Section):
    """An OpenAI-compatible chat completions API (OpenAI, vLLM, Ollama, DeepSeek, Qwen)."""

    base_url: str | None = None  # None: analyze steps use the built-in analyzer only
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=1, ge=0, le=5)
    max_tokens: int = Field(default=1024, ge=64)
    # The model's context window in tokens (the default fits the default 32 KiB excerpt):
    # the prompt is fitted to it, less max_tokens; a server that answers with a smaller
    # one is believed (see activities/analyze/llm.py).
    context_tokens: int = Field(default=32768, ge=2048)
    json_mode: bool = True  # send response_format {"type": "json_object"}
    temperature: float = Field(default=0.1, ge=0, le=2)

    @model_validator(mode="after")
    def _room_for_the_prompt(self) -> AiSettings:
        if self.context_tokens < self.max_tokens + 1024:
            raise ValueError(
                f"context_tokens ({self.context_tokens}) must leave at least 1024 tokens of "
                f"prompt above max_tokens ({self.max_tokens}); lower ai.max_tokens or raise "
                "ai.context_tokens to the model's context size"
            )
        return self


class NotificationSettings(Section):
    """SMTP defaults for email channels, the channel-secret key, failure aggregation."""

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False  # implicit TLS (port 465); wins over smtp_starttls
    smtp_timeout: float = Field(default=30.0, gt=0)
    # Encrypts channel secrets at rest (Fernet key, or any passphrase of 16+ characters).
    secret_key: SecretStr | None = None
    # Failure notices to one channel within this many seconds go out as one digest.
    failure_window: float = Field(default=300.0, ge=0)
    request_timeout: float = Field(default=15.0, gt=0)
    # Channel names that hear about agents going offline, and that get the daily report
    # (no channels: no daily report schedule).
    agent_offline_channels: list[str] = []
    daily_report_channels: list[str] = []

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (or a Fernet key)")
        return value


class JenkinsServer(Section):
    url: str
    user: str | None = None
    api_token: SecretStr | None = None
    verify_tls: bool = True

    @field_validator("url")
    @classmethod
    def _has_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class JenkinsSettings(Section):
    """Jenkins servers that `jenkins` steps name with `server:` (default: "default")."""

    servers: dict[str, JenkinsServer] = {}
    request_timeout: float = Field(default=30.0, gt=0)


class PipelineSettings(Section):
    """How the central worker runs file workflows."""

    unmatched: Literal["upload", "ignore"] = "upload"
    shutdown_grace: float = Field(default=30.0, ge=0)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)  # worker /metrics


class MonitorSettings(Section):
    """Agent liveness: how often the monitor runs and when a silent agent is stale or offline."""

    interval: float = Field(default=30.0, ge=1)
    stale_after: float = Field(default=45.0, gt=0)  # heartbeat lag shown as `stale`
    offline_after: float = Field(default=90.0, gt=0)  # lag that marks the agent offline

    @model_validator(mode="after")
    def _stale_before_offline(self) -> MonitorSettings:
        if self.stale_after >= self.offline_after:
            raise ValueError(
                f"stale_after ({self.stale_after:g}) must be less than offline_after "
                f"({self.offline_after:g})"
            )
        return self


class ReportSettings(Section):
    """The daily report: when it is sent, the time zone its days follow, what counts as stuck."""

    daily_at: str = "08:00"  # HH:MM in time_zone; the report covers the day before
    time_zone: str = "UTC"
    stuck_after: float = Field(default=3600.0, gt=0)  # pending/running longer: stuck
    top: int = Field(default=10, ge=1, le=100)  # rows in each "failures by" list

    @field_validator("daily_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        match = _CLOCK.match(value)
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError("must be a time of day HH:MM, e.g. 08:00")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as UTC or Asia/Shanghai"
            ) from None
        return value

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.daily_at.split(":")
        return int(hour), int(minute)


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
    jenkins: JenkinsSettings = JenkinsSettings()
    pipeline: PipelineSettings = PipelineSettings()
    monitor: MonitorSettings = MonitorSettings()
    reports: ReportSettings = ReportSettings()
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


def refuse_dev_keys(storage: StorageSettings) -> None:
    """Outside `sluice dev`, the built-in S3 keys are only for a server on this machine.

    Everyone knows them, so against any other endpoint they are a mistake; SettingsError
    names the settings to set.
    """
    host = urlsplit(storage.endpoint_url or "https://s3.amazonaws.com").hostname or ""
    dev_keys = [
        name
        for name in ("access_key", "secret_key")
        if (key := getattr(storage, name)) is not None and key.get_secret_value() == DEV_S3_KEY
    ]
    if dev_keys and host not in _LOOPBACK:
        names = " and ".join(f"storage.{n} (env SLUICE_STORAGE__{n.upper()})" for n in dev_keys)
        raise SettingsError(
            f"{names} still hold the built-in development key, and the S3 endpoint "
            f"{storage.endpoint_url or 'AWS'} is not on this machine: set the bucket's real keys"
        )


def describe_errors(exc: ValidationError, config_file: Path | None) -> str:
    where = f" (from {config_file} or SLUICE_* variables)" if config_file else ""
    lines = [f"invalid settings{where}:"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        env = "SLUICE_" + "__".join(str(p) for p in error["loc"] if isinstance(p, str)).upper()
        problem = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"  {key}: {problem} (env {env})")
    return "\n".join(lines)
