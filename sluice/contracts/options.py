"""Each step type's options, as a plan carries them into FileWorkflow.

One dataclass per step type (OPTIONS), with the defaults a rule leaves unset. A rule's
options are validated once, when it is saved (sluice/rules builds these from what it
checked); from then on they travel typed, and only the workflow reads them.
"""

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from temporalio.converter import value_to_type

StorageClass = Literal[
    "STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY",
]  # fmt: skip
# Events a message template exists for (activities/notify/templates/<event>.md.j2).
EVENTS = (
    "task_succeeded", "task_failed", "waiting_approval", "agent_offline", "daily_report",
)  # fmt: skip
Event = Literal[EVENTS]  # type: ignore[valid-type]
Encryption = Literal["AES256", "aws:kms"]
ApprovalDefault = Literal["approve", "reject"]
ArchiveAction = Literal["delete", "move"]
BuildVerdict = Literal["success", "failure"]
HttpMethod = Literal["POST", "PUT", "PATCH", "GET", "DELETE"]


@dataclass(frozen=True, kw_only=True)
class UploadOptions:
    """Where and how the file is stored. Left empty, `bucket`, `key`, `part_size` and
    `part_concurrency` are the storage settings', filled in by routing."""

    bucket: str = ""
    key: str = ""  # a key template (sluice/keys.py)
    storage_class: StorageClass | None = None  # None: the bucket's default
    sse: Encryption | None = None
    sse_kms_key_id: str | None = None
    part_size: int = 0
    part_concurrency: int = 0
    bandwidth_limit: int = 0  # bytes per second, 0 = unlimited


@dataclass(frozen=True, kw_only=True)
class VerifyOptions:
    """Prove the object equals the file; `read_back` also downloads and hashes it."""

    read_back: bool = False


@dataclass(frozen=True, kw_only=True)
class NotifyOptions:
    """Send a message to named channels; `title`/`text` override the event's Jinja2 template."""

    channels: list[str]
    event: Event = "task_succeeded"
    title: str = ""
    text: str = ""
    mentions: list[str] = field(default_factory=list)  # DingTalk @mobiles
    include_analysis: bool = True


@dataclass(frozen=True, kw_only=True)
class ApprovalNoticeOptions(NotifyOptions):
    """An approve step's `notify`: tells the channels a file waits for a decision."""

    event: Literal["waiting_approval"] = "waiting_approval"


@dataclass(frozen=True, kw_only=True)
class FailureNoticeOptions(NotifyOptions):
    """A rule's `on_failure: {notify: ...}`: sent when the task fails (after compensation)."""

    event: Literal["task_failed"] = "task_failed"


@dataclass(frozen=True, kw_only=True)
class ApproveOptions:
    """Wait for a human; when the step's timeout (default 24h) passes, `default` decides."""

    default: ApprovalDefault = "reject"
    notify: ApprovalNoticeOptions | None = None  # sent when the step starts waiting


@dataclass(frozen=True, kw_only=True)
class ArchiveOptions:
    """Delete the source file, or move it to the absolute directory `to`.

    Whether `to` lies inside the agent's watched roots can only be checked on the host, so
    the archive activity checks it at run time and refuses a move outside them.
    """

    action: ArchiveAction
    to: str = ""


@dataclass(frozen=True, kw_only=True)
class JenkinsOptions:
    """Trigger `job` on a configured Jenkins server and (by default) wait for its result."""

    job: str
    server: str = "default"
    params: dict[str, str] = field(default_factory=dict)  # values are templates
    wait: bool = True
    unstable: BuildVerdict = "failure"  # what an UNSTABLE build counts as
    poll_interval: float = 2.0  # seconds
    presign_expiry: float = 3600.0  # seconds a {presigned_url} stays valid


@dataclass(frozen=True, kw_only=True)
class WebhookOptions:
    """Call an HTTP endpoint with a templated JSON body; `channel` adds its URL and secret."""

    url: str = ""  # one of `url` or `channel`
    channel: str = ""
    method: HttpMethod = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # a JSON value whose strings are templates
    presign_expiry: float = 3600.0
    request_timeout: float = 30.0


@dataclass(frozen=True, kw_only=True)
class ScriptOptions:
    """Run an allow-listed command on the host; arguments are templates, never a shell."""

    command: list[str]
    cwd: str = ""
    env: dict[str, str] = field(default_factory=dict)
    max_output: int = 8 * 1024  # bytes of output kept


@dataclass(frozen=True, kw_only=True)
class AnalyzeOptions:
    """Excerpt the log on the host and ask the configured LLM; degrade to the built-in analyzer."""

    max_lines: int = 400
    max_bytes: int = 32 * 1024
    context_lines: int = 5
    mask_emails: bool = False
    prompt: str = ""
    language: str = "en"


StepOptions = (
    UploadOptions | VerifyOptions | ApproveOptions | ArchiveOptions | JenkinsOptions
    | WebhookOptions | ScriptOptions | AnalyzeOptions | NotifyOptions
)  # fmt: skip
OPTIONS: dict[str, type[StepOptions]] = {
    "upload": UploadOptions,
    "verify": VerifyOptions,
    "approve": ApproveOptions,
    "archive": ArchiveOptions,
    "jenkins": JenkinsOptions,
    "webhook": WebhookOptions,
    "script": ScriptOptions,
    "analyze": AnalyzeOptions,
    "notify": NotifyOptions,
}
STEP_TYPES = tuple(OPTIONS)


Options = TypeVar("Options")


def options_from_json(kind: type[Options], data: dict[str, Any]) -> Options:
    """`data` (options as JSON) as the dataclass `kind`, decoded as Temporal decodes payloads:
    unset fields take their defaults, and nothing is validated again, so a rule saved before
    a check grew stricter still runs (its step fails instead, where the check matters)."""
    return value_to_type(kind, data)
