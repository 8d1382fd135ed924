"""The central worker's settings: AI analysis, notifications, Jenkins, runs, monitor, reports."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator

from sluice.settings.base import Section

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


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
    # Keys that only open secrets (sealed before a rotation), until `sluice secrets rotate`.
    previous_secret_keys: list[SecretStr] = []
    # Failure notices to one channel within this many seconds go out as one digest.
    failure_window: float = Field(default=300.0, ge=0)
    request_timeout: float = Field(default=15.0, gt=0)
    # Channel names that hear about agents going offline, and that get the daily report
    # (no channels: no daily report schedule).
    agent_offline_channels: list[str] = []
    daily_report_channels: list[str] = []
    # The language of alert group and escalation messages (en, zh).
    language: Literal["en", "zh"] = "en"

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (or a Fernet key)")
        return value

    @field_validator("previous_secret_keys")
    @classmethod
    def _each_long_enough(cls, values: list[SecretStr]) -> list[SecretStr]:
        for value in values:
            cls._long_enough(value)
        return values


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
