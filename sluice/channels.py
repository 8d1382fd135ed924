"""Notification channel types: what each keeps in `config` (plain) and in `secrets` (encrypted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from sluice.parameter_templates import check_template

CHANNEL_TYPES = ("dingtalk", "wecom", "slack", "email", "webhook")
# `POST /channels/{id}:test` runs this (by name) on the worker, which holds the senders.
CHANNEL_TEST_WORKFLOW = "ChannelTestWorkflow"
CHANNEL_TEST_TIMEOUT_S = 60.0


@dataclass
class ChannelTestResult:
    """What a channel's test message came to; `error_class` as a step's (rate_limit, auth...)."""

    sent: bool
    error: str = ""
    error_class: str = ""


class ChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    SECRETS: ClassVar[tuple[str, ...]] = ()  # secret names this type takes
    REQUIRED_SECRETS: ClassVar[tuple[str, ...]] = ()


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


class DingTalkConfig(ChannelConfig):
    """Secrets: `url` (robot webhook with access_token), optional `secret` (signing)."""

    SECRETS = ("url", "secret")
    REQUIRED_SECRETS = ("url",)
    at_mobiles: list[str] = Field(default_factory=list)
    at_all: bool = False


class WeComConfig(ChannelConfig):
    """Secrets: `url` (robot webhook with key)."""

    SECRETS = ("url",)
    REQUIRED_SECRETS = ("url",)
    mentioned_mobiles: list[str] = Field(default_factory=list)


class SlackConfig(ChannelConfig):
    """Secrets: `url` (incoming webhook)."""

    SECRETS = ("url",)
    REQUIRED_SECRETS = ("url",)


class EmailConfig(ChannelConfig):
    """SMTP; unset server keys take `notifications.smtp_*`. Secrets: optional `password`."""

    SECRETS = ("password",)
    to: list[str] = Field(min_length=1)
    cc: list[str] = Field(default_factory=list)
    sender: str | None = None
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    user: str | None = None
    security: Literal["starttls", "tls", "none"] | None = None
    ca_file: str | None = None  # trust this CA (PEM) instead of the system store


class WebhookConfig(ChannelConfig):
    """A generic JSON webhook; secrets: optional `secret` for X-Sluice-Signature.

    A `webhook` step renders `url` and `headers` as parameter templates (sluice/actions.py).
    """

    SECRETS = ("secret",)
    url: Annotated[str, AfterValidator(check_template)]
    headers: dict[str, Annotated[str, AfterValidator(check_template)]] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)


CONFIGS: dict[str, type[ChannelConfig]] = {
    "dingtalk": DingTalkConfig,
    "wecom": WeComConfig,
    "slack": SlackConfig,
    "email": EmailConfig,
    "webhook": WebhookConfig,
}


def check_channel(type_: str, config: dict[str, Any], secrets: dict[str, str]) -> ChannelConfig:
    """Validate a channel's config and secrets; ValueError names each problem."""
    model = CONFIGS.get(type_)
    if model is None:
        raise ValueError(f"unknown channel type {type_!r}; use {', '.join(CHANNEL_TYPES)}")
    try:
        parsed = model.model_validate(config)
    except ValidationError as exc:
        problems = "; ".join(
            f"config.{'.'.join(map(str, e['loc']))}: "
            + ("unknown key" if e["type"] == "extra_forbidden" else _message(e["msg"]))
            for e in exc.errors()
        )
        raise ValueError(problems) from None
    unknown = sorted(set(secrets) - set(model.SECRETS))
    if unknown:
        raise ValueError(f"unknown secret(s) {unknown} for {type_}; use {list(model.SECRETS)}")
    missing = [name for name in model.REQUIRED_SECRETS if not secrets.get(name)]
    if missing:
        raise ValueError(f"{type_} channels need secret(s) {missing}")
    if "url" in secrets:
        _http_url(secrets["url"])
    return parsed
