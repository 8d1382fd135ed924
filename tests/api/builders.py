"""Small builders of the contracts the record activities send, with unique ids per call."""

import uuid
from typing import Any

from sqlmodel import Session, select

from sluice.contracts import DetectedFile, RecordBatch, StepUpdate, TaskUpdate
from store.models import Task, TaskStep
from store.records import record_batch


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


def apply_task_update(session: Session, *, update: TaskUpdate) -> Task:
    """Record one task transition as the record activity would, commit, return the row."""
    record_batch(session.connection(), RecordBatch(task=update))
    session.commit()
    task = session.get(Task, update.task_id)
    assert task is not None
    return task


def apply_step_update(session: Session, *, update: StepUpdate) -> TaskStep:
    """Record one step transition as the record activity would, commit, return the row."""
    record_batch(session.connection(), RecordBatch(steps=[update]))
    session.commit()
    query = select(TaskStep).where(TaskStep.task_id == update.task_id, TaskStep.name == update.name)
    return session.exec(query).one()
