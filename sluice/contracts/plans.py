"""A file's plan, as routing resolves it: stages of steps, each with its options and retries."""

from dataclasses import dataclass, field
from typing import Any

from sluice.contracts.files import DetectedFile
from sluice.contracts.options import (
    OPTIONS,
    FailureNoticeOptions,
    StepOptions,
    VerifyOptions,
    options_from_json,
)
from sluice.contracts.records import TaskUpdate

# What every failure is recorded as (ApplicationError.type); "rejected" is an approval's no,
# "rate_limit" a 429, "action_failed" a downstream verdict (Jenkins result, exit code, errcode).
ERROR_CLASSES = (
    "network", "timeout", "auth", "not_found", "conflict", "checksum", "invalid_input",
    "rejected", "rate_limit", "action_failed", "cancelled", "unknown",
)  # fmt: skip
# Failures that mean a peer (S3, Jenkins, a webhook, the LLM, the agent) is down or busy for
# now: retried with capped backoff until the step's retry deadline, whatever `max_attempts`.
TRANSIENT_ERROR_CLASSES = ("network", "timeout", "rate_limit")
ON_FAILURE = ("fail", "continue", "compensate")


@dataclass(frozen=True)
class RetrySettings:
    """A step's retry policy; the workflow runs the attempts so each one is recorded.

    `max_attempts` bounds the attempts of failures that may be permanent. Transient ones
    (TRANSIENT_ERROR_CLASSES) are retried until `deadline_s` after the step's first attempt
    began, so an outage of hours loses no file; `deadline_s` 0 counts them like the rest.
    With the defaults that is 2 s, 4 s, … capped at 2 min: about 180 attempts in 6 h.
    """

    max_attempts: int = 5
    initial_interval_s: float = 2.0
    backoff: float = 2.0
    max_interval_s: float = 120.0
    non_retryable: list[str] = field(default_factory=list)
    deadline_s: float = 6 * 3600.0

    def next_delay_s(
        self,
        attempt: int,
        error_class: str,
        elapsed_s: float,
        retry_after_s: float | None = None,
    ) -> float | None:
        """The wait after failed attempt `attempt` (1-based), `elapsed_s` after the first
        began; None to give up. A server's Retry-After counts, capped by `max_interval_s`."""
        if error_class in self.non_retryable:
            return None
        seconds = min(self.initial_interval_s * self.backoff ** (attempt - 1), self.max_interval_s)
        if retry_after_s is not None:
            seconds = max(seconds, min(retry_after_s, self.max_interval_s))
        if attempt < self.max_attempts:
            return seconds
        transient = error_class in TRANSIENT_ERROR_CLASSES
        return seconds if transient and elapsed_s + seconds <= self.deadline_s else None


# Temporal's converter decodes a union of dataclasses by trying each member in turn and
# ignores keys it does not know, so it cannot tell VerifyOptions from ArchiveOptions. The
# options fields below therefore decode as their JSON (the union's first member), and
# __post_init__ types them: by the step's `type`. Plans recorded before options were typed
# (tests/workflows/histories) carry the same JSON, with unset options left out.


@dataclass
class StepPlan:
    """One step of a plan. Its `options` are OPTIONS[type], typed here if given as JSON: the
    workflow's step runners rely on that."""

    name: str
    type: str
    options: dict[str, Any] | StepOptions = field(default_factory=dict)
    timeout_s: float = 3600.0
    heartbeat_timeout_s: float = 30.0  # an upload's is UPLOAD_HEARTBEAT_TIMEOUT_S
    retry: RetrySettings = field(default_factory=RetrySettings)
    on_failure: str = "fail"

    def __post_init__(self) -> None:
        kind = OPTIONS[self.type]
        if isinstance(self.options, dict):
            self.options = options_from_json(kind, self.options)
        elif not isinstance(self.options, kind):
            given = type(self.options).__name__
            raise TypeError(f"{self.type} step {self.name!r} takes {kind.__name__}, not {given}")

    def is_local(self) -> bool:
        """Whether it runs as a local activity: short, beside the workflow, no task trip."""
        return isinstance(self.options, VerifyOptions) and not self.options.read_back


@dataclass
class Plan:
    """What a file gets: ordered stages, the steps of one stage run concurrently.

    `action` is "run" or "ignore" (no rule matched and the default is to ignore).
    """

    stages: list[list[StepPlan]]
    action: str = "run"
    rule_id: int | None = None
    rule_name: str = ""
    rule_version: int | None = None
    matched: list[str] = field(default_factory=list)
    # The first matched rule's `on_failure: {notify: {...}}` (an empty dict in old plans).
    on_failure_notify: dict[str, Any] | FailureNoticeOptions | None = None
    # First-stage steps whose first attempt the routing activity recorded as running
    # (see workflows/recorder.py).
    started: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        notice = self.on_failure_notify
        if isinstance(notice, dict):
            self.on_failure_notify = (
                options_from_json(FailureNoticeOptions, notice) if notice else None
            )


@dataclass
class RouteRequest:
    """Route `file`; with `task`, also write the run's first records (workflows/recorder.py)."""

    file: DetectedFile
    task: TaskUpdate | None = None
