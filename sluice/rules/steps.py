"""Pipeline steps: the common keys (name, timeout, retry, on_failure) and each type's options."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sluice.contracts import (
    ERROR_CLASSES,
    ON_FAILURE,
    STEP_TYPES,
    UPLOAD_HEARTBEAT_TIMEOUT_S,
    ApprovalDefault,
    ApproveOptions,
    ArchiveAction,
    Encryption,
    RetrySettings,
    StepPlan,
    StorageClass,
    VerifyOptions,
)
from sluice.keys import check_key_template
from sluice.rules.actions import (
    AnalyzeSpec,
    ApprovalNoticeSpec,
    JenkinsSpec,
    NotifySpec,
    ScriptSpec,
    WebhookSpec,
)
from sluice.rules.options import OptionsSpec
from sluice.rules.units import Duration, GiB, MiB, Size, size_range

# Step types that rules may name but that cannot run yet; each leaves this set when its
# activity lands (with an options spec in STEP_SPECS).
NOT_YET_AVAILABLE: frozenset[str] = frozenset()
NOT_YET_AVAILABLE_REASON = "it comes with the actions issue"


_STEP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
DEFAULT_TIMEOUT_S = {"approve": 24 * 3600.0}
DEFAULT_HEARTBEAT_TIMEOUT_S = {"upload": UPLOAD_HEARTBEAT_TIMEOUT_S}


def _check_bucket(bucket: str) -> str:
    if not _BUCKET.fullmatch(bucket):
        raise ValueError(
            f"invalid bucket name {bucket!r}: 3-63 lowercase letters, digits, dots and hyphens"
        )
    return bucket


def _check_absolute(path: str) -> str:
    if not PurePosixPath(path).is_absolute():
        raise ValueError(f"must be an absolute path, got {path!r}")
    return path


def _check_step_name(name: str) -> str:
    if not _STEP_NAME.fullmatch(name):
        raise ValueError(
            f"invalid step name {name!r}: up to 64 letters, digits, '_', '.', '-', "
            "starting with a letter or digit"
        )
    return name


def _check_on_failure(mode: str) -> str:
    if mode not in ON_FAILURE:
        raise ValueError(f"on_failure must be one of {', '.join(ON_FAILURE)}, got {mode!r}")
    return mode


def _check_error_classes(classes: list[str]) -> list[str]:
    unknown = [name for name in classes if name not in ERROR_CLASSES]
    if unknown:
        raise ValueError(f"unknown error class(es) {unknown}; use {', '.join(ERROR_CLASSES)}")
    return classes


class UploadSpec(OptionsSpec):
    """Builds UploadOptions; what is unset takes the worker's storage settings."""

    bucket: Annotated[str, AfterValidator(_check_bucket)] | None = None
    key: Annotated[str, AfterValidator(check_key_template)] | None = None
    storage_class: StorageClass | None = None
    sse: Encryption | None = None
    sse_kms_key_id: str | None = None
    part_size: Annotated[Size, size_range(5 * MiB, 5 * GiB)] | None = None
    part_concurrency: int | None = Field(default=None, ge=1, le=32)
    bandwidth_limit: Annotated[Size, size_range(1)] | None = None  # bytes per second

    @model_validator(mode="after")
    def _kms_key_needs_kms(self) -> UploadSpec:
        if self.sse_kms_key_id is not None and self.sse != "aws:kms":
            raise ValueError("sse_kms_key_id needs sse: aws:kms")
        return self


class VerifySpec(OptionsSpec):
    """Builds VerifyOptions."""

    read_back: bool = VerifyOptions.read_back


class ApproveSpec(OptionsSpec):
    """Builds ApproveOptions."""

    default: ApprovalDefault = ApproveOptions.default
    notify: ApprovalNoticeSpec | None = None


class ArchiveSpec(OptionsSpec):
    """Builds ArchiveOptions; whether `to` is inside a watched root is checked on the host."""

    action: ArchiveAction
    to: Annotated[str, AfterValidator(_check_absolute)] | None = None

    @model_validator(mode="after")
    def _to_only_for_move(self) -> ArchiveSpec:
        if self.action == "move" and self.to is None:
            raise ValueError("action: move needs `to` (the directory to move the file to)")
        if self.action == "delete" and self.to is not None:
            raise ValueError("`to` only applies to action: move")
        return self


STEP_SPECS: dict[str, type[OptionsSpec]] = {
    "upload": UploadSpec,
    "verify": VerifySpec,
    "approve": ApproveSpec,
    "archive": ArchiveSpec,
    "jenkins": JenkinsSpec,
    "webhook": WebhookSpec,
    "script": ScriptSpec,
    "analyze": AnalyzeSpec,
    "notify": NotifySpec,
}
assert set(STEP_SPECS) | NOT_YET_AVAILABLE == set(STEP_TYPES), "every step type is handled"


class RetrySpec(BaseModel):
    """A step's `retry:` block; intervals are durations ("2s", "2m").

    Left unset, `max_attempts` is 5 for failures that may be permanent while transient ones
    ride out an outage until `deadline` (see RetrySettings). Set, it bounds every failure,
    unless `deadline` is set too.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int | None = Field(default=None, ge=1, le=1000)
    initial_interval: Duration = RetrySettings.initial_interval_s
    backoff: float = Field(default=RetrySettings.backoff, ge=1.0, le=100.0)
    max_interval: Duration = RetrySettings.max_interval_s
    non_retryable: Annotated[list[str], AfterValidator(_check_error_classes)] = Field(
        default_factory=list
    )
    deadline: Duration | None = Field(default=None, le=7 * 24 * 3600.0)

    @model_validator(mode="after")
    def _max_not_below_initial(self) -> RetrySpec:
        if self.max_interval < self.initial_interval:
            raise ValueError("max_interval is shorter than initial_interval")
        return self

    def to_settings(self) -> RetrySettings:
        deadline = self.deadline
        if deadline is None:  # an explicit max_attempts means just that
            deadline = RetrySettings.deadline_s if self.max_attempts is None else 0.0
        return RetrySettings(
            max_attempts=self.max_attempts or RetrySettings.max_attempts,
            initial_interval_s=self.initial_interval,
            backoff=self.backoff,
            max_interval_s=self.max_interval,
            non_retryable=list(self.non_retryable),
            deadline_s=deadline,
        )


class CommonKeys(BaseModel):
    """The keys every step type accepts, pulled out of its options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, AfterValidator(_check_step_name)] | None = None
    timeout: Duration | None = None
    heartbeat_timeout: Duration | None = None  # default_heartbeat_timeout_s(type)
    retry: RetrySpec = Field(default_factory=RetrySpec)
    on_failure: Annotated[str, AfterValidator(_check_on_failure)] = "fail"


COMMON_KEYS = tuple(CommonKeys.model_fields)


def split_options(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(common keys, the step type's own options) of one step's mapping."""
    common = {key: value for key, value in raw.items() if key in COMMON_KEYS}
    own = {key: value for key, value in raw.items() if key not in COMMON_KEYS}
    return common, own


def default_timeout_s(step_type: str) -> float:
    return DEFAULT_TIMEOUT_S.get(step_type, StepPlan.timeout_s)


def default_heartbeat_timeout_s(step_type: str) -> float:
    return DEFAULT_HEARTBEAT_TIMEOUT_S.get(step_type, StepPlan.heartbeat_timeout_s)
