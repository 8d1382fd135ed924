"""Dataclasses passed between the agent, workflows and activities (one in, one out each)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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
    file: DetectedFile
    host_queue: str
    bucket: str
    key_template: str = "{host}/{relpath}"
    part_size: int = 8 * 1024 * 1024
    part_concurrency: int = 4


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
class UploadRequest:
    root: str
    rel_path: str
    expected_size: int
    expected_mtime_ns: int
    bucket: str
    key: str
    part_size: int
    part_concurrency: int = 4


@dataclass
class UploadedPart:
    number: int
    etag: str
    size: int


@dataclass
class UploadProgress:
    """Heartbeat details of a multipart upload; a retry resumes from these."""

    upload_id: str
    parts: list[UploadedPart] = field(default_factory=list)

    @property
    def bytes_done(self) -> int:
        return sum(p.size for p in self.parts)


@dataclass
class UploadResult:
    bucket: str
    key: str
    size: int
    sha256: str
    etag: str
    parts: int
    resumed_parts: int = 0
    attempt: int = 1


@dataclass
class VerifyRequest:
    bucket: str
    key: str
    size: int
    sha256: str
    read_back: bool = False


@dataclass
class VerifyResult:
    size: int
    sha256: str
    read_back: bool
    attempt: int = 1


@dataclass
class TaskUpdate:
    """A task transition for the metadata DB; `file` is set when the task is first seen."""

    task_id: str
    status: str
    run_id: str = ""
    file: DetectedFile | None = None
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
