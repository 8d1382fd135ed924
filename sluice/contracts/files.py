"""What FileWorkflow is started with, answers, and is asked: the file and its task."""

import hashlib
from dataclasses import dataclass


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
