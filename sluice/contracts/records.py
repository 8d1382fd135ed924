"""Task and step transitions for the metadata DB, as FileWorkflow's activities write them.

Who writes which, and when, is workflows/recorder.py's to say.
"""

from dataclasses import dataclass, field

from sluice.contracts.files import DetectedFile


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
