"""Contracts of the action steps (jenkins, webhook, script, analyze, notify).

Their parameters are templates filled from a FileContext (sluice/parameter_templates.py);
message templates are Jinja2 (sluice/message_templates.py, activities/notify/templates.py).
Only small values travel through Temporal: the analysis excerpt is bounded by
EXCERPT_MAX_BYTES and results are compact summaries.
"""

# No `from __future__ import annotations` here: Temporal resolves these dataclasses' field
# types inside the workflow sandbox, where this module's globals may not be registered.
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sluice.contracts import DetectedFile

EXCERPT_MAX_BYTES = 64 * 1024
BODY_EXCERPT_BYTES = 1024
OUTPUT_EXCERPT_BYTES = 8 * 1024


@dataclass
class FileContext:
    """What templates may say about the file and its task (references, never content)."""

    task_id: str
    file: DetectedFile
    rule: str = ""
    bucket: str = ""
    key: str = ""
    sha256: str = ""

    def values(self, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Template values except `presigned_url`, which needs the storage client."""
        rel = PurePosixPath(self.file.rel_path)
        return {
            "task_id": self.task_id,
            "rule": self.rule,
            "host": self.file.host,
            "agent": self.file.agent_id,
            "root": self.file.root,
            "relpath": self.file.rel_path,
            "path": str(PurePosixPath(self.file.root) / self.file.rel_path),
            "name": rel.name,
            "stem": rel.stem,
            "ext": rel.suffix.lstrip("."),
            "date": self.file.detected_at[:10],
            "sha256": self.sha256,
            "size": self.file.size,
            "bucket": self.bucket,
            "key": self.key,
            "object_url": f"s3://{self.bucket}/{self.key}" if self.bucket else "",
            "presigned_url": "",
            "labels": dict(labels or {}),
        }


@dataclass
class BuildRef:
    """A Jenkins build (or its queue item, before it has a number): what `stop` needs."""

    server: str
    job: str
    queue_url: str = ""
    number: int = 0
    url: str = ""


@dataclass
class JenkinsRequest:
    context: FileContext
    server: str
    job: str
    params: dict[str, str] = field(default_factory=dict)
    wait: bool = True
    unstable_ok: bool = False
    poll_interval_s: float = 2.0
    presign_expiry_s: float = 3600.0
    resume: BuildRef | None = None


@dataclass
class JenkinsResult:
    build: BuildRef
    result: str  # SUCCESS | UNSTABLE | ... ; "" when not waited for
    duration_ms: int = 0


@dataclass
class WebhookRequest:
    context: FileContext
    method: str = "POST"
    url: str = ""
    channel: str = ""  # a `webhook` channel supplies url, secret and headers
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # a JSON value whose strings are templates
    presign_expiry_s: float = 3600.0
    request_timeout_s: float = 30.0


@dataclass
class WebhookResult:
    status: int
    body_excerpt: str


@dataclass
class ScriptRequest:
    context: FileContext
    command: list[str]
    timeout_s: float
    cwd: str = ""
    env: dict[str, str] = field(default_factory=dict)
    max_output_bytes: int = OUTPUT_EXCERPT_BYTES


@dataclass
class ScriptResult:
    exit_code: int
    output: str
    truncated: bool
    duration_ms: int


@dataclass
class ExcerptRequest:
    root: str
    rel_path: str
    expected_size: int
    expected_mtime_ns: int
    max_lines: int = 400
    max_bytes: int = 32 * 1024
    context_lines: int = 5
    mask_emails: bool = False


@dataclass
class LogFindings:
    """The built-in analyzer's view of the whole file, counted on the host."""

    total_lines: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    top_errors: list[list[str]] = field(default_factory=list)  # [count, line]
    signatures: list[str] = field(default_factory=list)  # e.g. "java_oom", "python_traceback"
    first_error: str = ""
    exception_types: list[str] = field(default_factory=list)


@dataclass
class Excerpt:
    text: str
    used_lines: int
    truncated: bool
    findings: LogFindings


@dataclass
class AnalyzeRequest:
    file_name: str
    excerpt: Excerpt
    language: str = "en"
    prompt: str = ""  # extra instructions from the rule
    knowledge: list[str] = field(default_factory=list)  # matched entries, as prompts show them


@dataclass
class Analysis:
    """`{summary, severity, key_errors, causes, suggestions, confidence}` plus metadata."""

    summary: str
    severity: str
    key_errors: list[str]
    causes: list[str]
    suggestions: list[str]
    confidence: float
    used_lines: int = 0
    truncated: bool = False
    elapsed_ms: int = 0
    retries: int = 0
    degraded: bool = False
    error_class: str = ""
    model: str = ""
    knowledge: list[str] = field(default_factory=list)  # the entries it used, as `KB-<id>`


@dataclass
class NotifyRequest:
    task_id: str
    step: str
    channels: list[str]
    event: str
    facts: dict[str, str] = field(default_factory=dict)  # task status, error, rule, object...
    context: FileContext | None = None
    analysis: Analysis | None = None
    title_template: str = ""
    text_template: str = ""
    mentions: list[str] = field(default_factory=list)


@dataclass
class NotifyResult:
    sent: list[str]
    skipped: list[str] = field(default_factory=list)  # already sent by an earlier attempt


@dataclass
class FailureNotice:
    """A task's failure, for the channels its rule names; aggregated per channel."""

    channel: str
    request: NotifyRequest


@dataclass
class DigestInput:
    channel: str
    window_s: float
    carried: list[NotifyRequest] = field(default_factory=list)  # across continue-as-new
    carried_total: int = 0


@dataclass
class DigestRequest:
    channel: str
    notices: list[NotifyRequest]  # the first DIGEST_KEEP of them
    total: int
    window_s: float


DIGEST_KEEP = 50
