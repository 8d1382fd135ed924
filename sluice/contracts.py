"""Dataclasses passed between the agent, workflows and activities (one in, one out each)."""

# No `from __future__ import annotations`: Temporal's converter calls get_type_hints on
# every payload it decodes, and string annotations make that about five times slower.

import hashlib
from dataclasses import dataclass, field
from typing import Any


def host_queue(agent_id: str) -> str:
    """The task queue of an agent's host worker: activities that need its files run there."""
    return f"sluice-host-{agent_id}"


@dataclass(frozen=True)
class DetectedFile:
    """A finished file as the agent saw it; the dedup key makes the workflow id."""

    agent_id: str
    host: str
    root: str
    rel_path: str
    size: int
    mtime_ns: int
    detected_at: str

    @property
    def dedup_key(self) -> str:
        return "\0".join(
            [self.agent_id, self.root, self.rel_path, str(self.size), str(self.mtime_ns)]
        )

    @property
    def file_event_id(self) -> str:
        return hashlib.sha256(self.dedup_key.encode()).hexdigest()[:32]

    @property
    def workflow_id(self) -> str:
        return f"file-{self.file_event_id}"

    @property
    def name(self) -> str:
        return self.rel_path.rsplit("/", 1)[-1]


@dataclass
class FileWorkflowInput:
    """Start input of FileWorkflow. Storage defaults and the plan come from routing."""

    file: DetectedFile
    host_queue: str
    retry_of: str = ""


@dataclass
class FileWorkflowResult:
    status: str
    bucket: str = ""
    key: str = ""
    sha256: str = ""
    size: int = 0
    error: str = ""
    error_class: str = ""


@dataclass
class TaskProgress:
    """What the `progress` query answers; bytes uploaded come from the upload's heartbeat."""

    status: str
    stage: int
    stages: int
    running: list[str]
    rule: str = ""
    waiting_for_approval: str = ""


@dataclass
class ApprovalDecision:
    approved: bool
    by: str
    comment: str = ""


@dataclass
class UploadedPart:
    number: int
    etag: str
    size: int
    crc32: str = ""  # base64, as S3's ChecksumCRC32 (when the upload sends checksums)


@dataclass
class UploadProgress:
    """Heartbeat details of a multipart upload; a retry resumes from these."""

    upload_id: str
    parts: list[UploadedPart] = field(default_factory=list)
    key: str = ""

    @property
    def bytes_done(self) -> int:
        return sum(p.size for p in self.parts)


@dataclass
class UploadRequest:
    root: str
    rel_path: str
    expected_size: int
    expected_mtime_ns: int
    bucket: str
    key: str  # may still hold "{sha256}", filled in once the file is hashed
    part_size: int
    part_concurrency: int = 4
    storage_class: str = ""
    sse: str = ""
    sse_kms_key_id: str = ""
    bandwidth_limit: int = 0  # bytes per second, 0 = unlimited
    resume: UploadProgress | None = None


@dataclass
class UploadResult:
    bucket: str
    key: str
    size: int
    sha256: str
    etag: str
    parts: int
    resumed_parts: int = 0


@dataclass
class ObjectRef:
    bucket: str
    key: str


@dataclass
class ArchiveRequest:
    root: str
    rel_path: str
    expected_size: int
    expected_mtime_ns: int
    action: str  # "delete" | "move"
    to: str = ""


@dataclass
class ArchiveResult:
    action: str
    moved_to: str = ""


@dataclass
class TaskUpdate:
    """A task transition for the metadata DB; `file` is set when the task is first seen."""

    task_id: str
    status: str
    run_id: str = ""
    file: DetectedFile | None = None
    rule_id: int | None = None
    rule_version: int | None = None
    retry_of: str = ""
    bucket: str = ""
    key: str = ""
    sha256: str = ""
    error: str = ""
    error_class: str = ""


@dataclass
class StepUpdate:
    task_id: str
    name: str
    step_type: str
    status: str
    attempt: int = 1
    duration_ms: int = 0
    error: str = ""
    error_class: str = ""
    summary: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordBatch:
    """Transitions written together: a step finishing and the next starting, say."""

    task: TaskUpdate | None = None
    steps: list[StepUpdate] = field(default_factory=list)


@dataclass
class VerifyRequest:
    bucket: str
    key: str
    size: int
    sha256: str
    read_back: bool = False
    # The plan's end, when verify is its last step: written by the same local activity once
    # the object checks out, to save the workflow another round trip. Its last step update
    # is this step's success; the activity fills in the duration and summary.
    then: RecordBatch | None = None


@dataclass
class VerifyResult:
    size: int
    sha256: str
    read_back: bool
    recorded: bool = False  # `VerifyRequest.then` was written

    def summary(self) -> dict[str, str]:
        """What the verify step records about itself."""
        read_back = str(self.read_back).lower()
        return {"sha256": self.sha256, "size": str(self.size), "read_back": read_back}


@dataclass
class RouteRequest:
    """Route `file`; with `task`, also record the task as routed (see RoutingActivities)."""

    file: DetectedFile
    task: TaskUpdate | None = None


# What every failure is recorded as (ApplicationError.type); "rejected" is an approval's no,
# "rate_limit" a 429, "action_failed" a downstream verdict (Jenkins result, exit code, errcode).
ERROR_CLASSES = (
    "network", "timeout", "auth", "not_found", "conflict", "checksum", "invalid_input",
    "rejected", "rate_limit", "action_failed", "cancelled", "unknown",
)  # fmt: skip
STEP_TYPES = (
    "upload", "verify", "approve", "archive", "jenkins", "webhook", "script", "analyze", "notify",
)  # fmt: skip
ON_FAILURE = ("fail", "continue", "compensate")
# A killed agent's upload is retried this long after its last heartbeat; the upload beats
# every quarter of it, and the SDK sends at most one beat per 0.8 x it (8 s) to the server.
UPLOAD_HEARTBEAT_TIMEOUT_S = 10.0


# Failures that mean a peer (S3, Jenkins, a webhook, the LLM, the agent) is down or busy for
# now: retried with capped backoff until the step's retry deadline, whatever `max_attempts`.
TRANSIENT_ERROR_CLASSES = ("network", "timeout", "rate_limit")


@dataclass
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


@dataclass
class StepPlan:
    """One step of a plan. `options` are the step type's own settings (JSON values only)."""

    name: str
    type: str
    options: dict[str, Any] = field(default_factory=dict)
    timeout_s: float = 3600.0
    heartbeat_timeout_s: float = 30.0  # an upload's is UPLOAD_HEARTBEAT_TIMEOUT_S
    retry: RetrySettings = field(default_factory=RetrySettings)
    on_failure: str = "fail"

    def is_local(self) -> bool:
        """Whether it runs as a local activity: short, beside the workflow, no task trip."""
        return self.type == "verify" and not self.options.get("read_back")


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
    # The first matched rule's `on_failure: {notify: {...}}` options (NotifyOptions as JSON).
    on_failure_notify: dict[str, Any] = field(default_factory=dict)
    # First-stage steps whose first attempt the routing activity recorded as running.
    started: list[str] = field(default_factory=list)
