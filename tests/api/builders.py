"""Small builders of the contracts the record activities send, with unique ids per call."""

import uuid
from typing import Any

from sluice.contracts import DetectedFile, StepUpdate, TaskUpdate


def detected_file(*, agent_id: str = "host-a", rel_path: str | None = None) -> DetectedFile:
    return DetectedFile(
        agent_id=agent_id,
        host=f"{agent_id}.example",
        root="/srv/inbox",
        rel_path=rel_path or f"dumps/{uuid.uuid4().hex[:8]}.hprof",
        size=3 * 1024 * 1024,
        mtime_ns=1_700_000_000_123_456_789,
        detected_at="2026-01-02T03:04:05.678901+00:00",
    )


def task_update(file: DetectedFile, status: str, **fields: Any) -> TaskUpdate:
    return TaskUpdate(task_id=file.workflow_id, status=status, file=file, **fields)


def step_update(
    task_id: str, status: str, *, name: str = "upload", attempt: int = 1, **fields: Any
) -> StepUpdate:
    return StepUpdate(
        task_id=task_id, name=name, step_type=name, status=status, attempt=attempt, **fields
    )
