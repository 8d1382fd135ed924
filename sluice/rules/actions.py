"""Options of the action steps: jenkins, webhook, script, analyze, notify (and failure notices)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sluice.actions import EXCERPT_MAX_BYTES
from sluice.message_templates import check_message_template
from sluice.parameter_templates import check_template, check_template_tree
from sluice.rules.units import Duration, KiB, Size, size_range

# Events a message template exists for (activities/notify/templates/<event>.md.j2).
EVENTS = (
    "task_succeeded", "task_failed", "waiting_approval", "agent_offline", "daily_report",
)  # fmt: skip
_JOB = re.compile(r"[^/\s][^/]*(/[^/\s][^/]*)*")
_CHANNEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


class ActionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_job(job: str) -> str:
    if not _JOB.fullmatch(job):
        raise ValueError(f"invalid job {job!r}: a name, or folder/sub-folder/name")
    return job


def _check_channel(name: str) -> str:
    if not _CHANNEL.fullmatch(name):
        raise ValueError(f"invalid channel name {name!r}")
    return name


def _check_url_template(url: str) -> str:
    check_template(url)
    if not url.startswith(("http://", "https://", "{")):
        raise ValueError(f"url must start with http:// or https://, got {url!r}")
    return url


def _check_header_names(headers: dict[str, str]) -> dict[str, str]:
    bad = [name for name in headers if not _HEADER.fullmatch(name)]
    if bad:
        raise ValueError(f"invalid header name(s) {bad}")
    return headers


Template = Annotated[str, AfterValidator(check_template)]
ChannelName = Annotated[str, AfterValidator(_check_channel)]
JinjaTemplate = Annotated[str, AfterValidator(check_message_template)]


class JenkinsOptions(ActionOptions):
    """Trigger `job` on a configured Jenkins server and (by default) wait for its result."""

    server: str = "default"
    job: Annotated[str, AfterValidator(_check_job)]
    params: dict[str, Template] = Field(default_factory=dict)
    wait: bool = True
    unstable: Literal["success", "failure"] = "failure"
    poll_interval: Duration = 2.0
    presign_expiry: Annotated[Duration, Field(gt=0, le=7 * 86400)] = 3600.0


class WebhookOptions(ActionOptions):
    """Call an HTTP endpoint with a templated JSON body; `channel` adds its URL and secret."""

    url: Annotated[str, AfterValidator(_check_url_template)] | None = None
    channel: ChannelName | None = None
    method: Literal["POST", "PUT", "PATCH", "GET", "DELETE"] = "POST"
    headers: Annotated[dict[str, Template], AfterValidator(_check_header_names)] = Field(
        default_factory=dict
    )
    body: Annotated[Any, AfterValidator(check_template_tree)] = None
    presign_expiry: Annotated[Duration, Field(gt=0, le=7 * 86400)] = 3600.0
    request_timeout: Annotated[Duration, Field(gt=0)] = 30.0

    @model_validator(mode="after")
    def _one_target(self) -> WebhookOptions:
        if (self.url is None) == (self.channel is None):
            raise ValueError("give exactly one of `url` or `channel` (a webhook channel)")
        return self


class ScriptOptions(ActionOptions):
    """Run an allow-listed command on the host; arguments are templates, never a shell."""

    command: Annotated[list[Template], Field(min_length=1)]
    cwd: str | None = None
    env: dict[str, Template] = Field(default_factory=dict)
    max_output: Annotated[Size, size_range(256, 64 * KiB)] = 8 * KiB


class AnalyzeOptions(ActionOptions):
    """Excerpt the log on the host and ask the configured LLM; degrade to the built-in analyzer."""

    max_lines: int = Field(default=400, ge=10, le=5000)
    max_bytes: Annotated[Size, size_range(1 * KiB, EXCERPT_MAX_BYTES)] = 32 * KiB
    context_lines: int = Field(default=5, ge=0, le=50)
    mask_emails: bool = False
    prompt: str = Field(default="", max_length=2000)
    language: str = Field(default="en", max_length=20)


class NotifyOptions(ActionOptions):
    """Send a message to named channels; `title`/`text` override the event's Jinja2 template."""

    channels: Annotated[list[ChannelName], Field(min_length=1)]
    event: Literal[EVENTS] = "task_succeeded"  # type: ignore[valid-type]
    title: JinjaTemplate | None = None
    text: JinjaTemplate | None = None
    mentions: list[str] = Field(default_factory=list)  # DingTalk @mobiles
    include_analysis: bool = True


class ApprovalNoticeOptions(NotifyOptions):
    """An approve step's `notify`: tells the channels a file waits for a decision."""

    event: Literal["waiting_approval"] = "waiting_approval"


class FailureNoticeOptions(NotifyOptions):
    """A rule's `on_failure: {notify: ...}`: sent when the task fails (after compensation)."""

    event: Literal["task_failed"] = "task_failed"
