"""Options specs of the action steps: jenkins, webhook, script, analyze, notify (and notices)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from sluice.actions import EXCERPT_MAX_BYTES
from sluice.contracts import (
    AnalyzeOptions,
    ApprovalNoticeOptions,
    BuildVerdict,
    Event,
    FailureNoticeOptions,
    HttpMethod,
    JenkinsOptions,
    NotifyOptions,
    ScriptOptions,
    WebhookOptions,
)
from sluice.message_templates import check_message_template
from sluice.parameter_templates import check_template, check_template_tree
from sluice.rules.options import OptionsSpec
from sluice.rules.units import Duration, KiB, Size, size_range

_JOB = re.compile(r"[^/\s][^/]*(/[^/\s][^/]*)*")
_CHANNEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


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
Expiry = Annotated[Duration, Field(gt=0, le=7 * 86400)]


class JenkinsSpec(OptionsSpec):
    """Builds JenkinsOptions."""

    job: Annotated[str, AfterValidator(_check_job)]
    server: str = JenkinsOptions.server
    params: dict[str, Template] = Field(default_factory=dict)
    wait: bool = JenkinsOptions.wait
    unstable: BuildVerdict = JenkinsOptions.unstable
    poll_interval: Duration = JenkinsOptions.poll_interval
    presign_expiry: Expiry = JenkinsOptions.presign_expiry


class WebhookSpec(OptionsSpec):
    """Builds WebhookOptions."""

    url: Annotated[str, AfterValidator(_check_url_template)] | None = None
    channel: ChannelName | None = None
    method: HttpMethod = WebhookOptions.method
    headers: Annotated[dict[str, Template], AfterValidator(_check_header_names)] = Field(
        default_factory=dict
    )
    body: Annotated[Any, AfterValidator(check_template_tree)] = None
    presign_expiry: Expiry = WebhookOptions.presign_expiry
    request_timeout: Annotated[Duration, Field(gt=0)] = WebhookOptions.request_timeout

    @model_validator(mode="after")
    def _one_target(self) -> WebhookSpec:
        if (self.url is None) == (self.channel is None):
            raise ValueError("give exactly one of `url` or `channel` (a webhook channel)")
        return self


class ScriptSpec(OptionsSpec):
    """Builds ScriptOptions."""

    command: Annotated[list[Template], Field(min_length=1)]
    cwd: str | None = None
    env: dict[str, Template] = Field(default_factory=dict)
    max_output: Annotated[Size, size_range(256, 64 * KiB)] = ScriptOptions.max_output


class AnalyzeSpec(OptionsSpec):
    """Builds AnalyzeOptions."""

    max_lines: int = Field(default=AnalyzeOptions.max_lines, ge=10, le=5000)
    max_bytes: Annotated[Size, size_range(1 * KiB, EXCERPT_MAX_BYTES)] = AnalyzeOptions.max_bytes
    context_lines: int = Field(default=AnalyzeOptions.context_lines, ge=0, le=50)
    mask_emails: bool = AnalyzeOptions.mask_emails
    prompt: str = Field(default=AnalyzeOptions.prompt, max_length=2000)
    language: str = Field(default=AnalyzeOptions.language, max_length=20)


class NotifySpec(OptionsSpec):
    """Builds NotifyOptions."""

    channels: Annotated[list[ChannelName], Field(min_length=1)]
    event: Event = NotifyOptions.event
    title: JinjaTemplate | None = None
    text: JinjaTemplate | None = None
    mentions: list[str] = Field(default_factory=list)
    include_analysis: bool = NotifyOptions.include_analysis


class ApprovalNoticeSpec(NotifySpec):
    """Builds ApprovalNoticeOptions (an approve step's `notify`)."""

    event: Literal["waiting_approval"] = ApprovalNoticeOptions.event


class FailureNoticeSpec(NotifySpec):
    """Builds FailureNoticeOptions (a rule's `on_failure: {notify: ...}`)."""

    event: Literal["task_failed"] = FailureNoticeOptions.event
