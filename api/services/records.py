"""Idempotent writers behind the record activities: task and step transitions into the DB.

Temporal retries activities, and updates can arrive twice or late; every function here can
run any number of times, in any order, and leaves the row as the newest transition says.
"""

import hashlib
from datetime import UTC, datetime

from sqlmodel import Session, select

from api.db import insert_if_absent
from api.models import FileEvent, StepStatus, Task, TaskAttempt, TaskStatus, TaskStep, utcnow
from sluice.contracts import DetectedFile, StepUpdate, TaskUpdate

# A transition is applied only if it does not rank below the current status, so a late
# "running" never reopens a finished task. Equal ranks move freely (retrying <-> running).
TASK_RANK = {
    TaskStatus.pending: 0,
    TaskStatus.running: 1,
    TaskStatus.retrying: 1,
    TaskStatus.waiting_approval: 1,
    TaskStatus.succeeded: 2,
    TaskStatus.failed: 2,
    TaskStatus.cancelled: 2,
    TaskStatus.ignored: 2,
}
STEP_RANK = {
    StepStatus.pending: 0,
    StepStatus.running: 1,
    StepStatus.succeeded: 2,
    StepStatus.failed: 2,
    StepStatus.skipped: 2,
    StepStatus.compensated: 3,
}


def apply_task_update(session: Session, *, update: TaskUpdate) -> Task:
    """Record a task transition (creating the task and its file event if new) and commit."""
    status = TaskStatus(update.status)
    now = utcnow()
    if update.file is not None:
        insert_if_absent(session, file_event_row(update.file))
    insert_if_absent(session, _placeholder_task(update.task_id, now))
    task = session.exec(
        select(Task).where(Task.id == update.task_id).with_for_update(key_share=True)
    ).one()
    if update.file is not None:
        task.file_event_id = task.file_event_id or update.file.file_event_id
        task.agent_id = task.agent_id or update.file.agent_id
        task.size = update.file.size if task.size is None else task.size
    if TASK_RANK[status] >= TASK_RANK[TaskStatus(task.status)]:
        _move_task(task, update, status, now)
    return _commit(session, task, now)


def apply_step_update(session: Session, *, update: StepUpdate) -> TaskStep:
    """Record a step attempt's transition (creating step and attempt rows if new) and commit."""
    status = StepStatus(update.status)
    now = utcnow()
    insert_if_absent(session, _placeholder_task(update.task_id, now))
    insert_if_absent(
        session, TaskStep(task_id=update.task_id, name=update.name, step_type=update.step_type)
    )
    step = session.exec(
        select(TaskStep)
        .where(TaskStep.task_id == update.task_id, TaskStep.name == update.name)
        .with_for_update(key_share=True)
    ).one()
    assert step.id is not None
    insert_if_absent(
        session,
        TaskAttempt(step_id=step.id, attempt=update.attempt, status=status, recorded_at=now),
    )
    attempt = session.exec(
        select(TaskAttempt)
        .where(TaskAttempt.step_id == step.id, TaskAttempt.attempt == update.attempt)
        .with_for_update(key_share=True)
    ).one()
    if STEP_RANK[status] >= STEP_RANK[StepStatus(attempt.status)]:
        _move_attempt(session, attempt, update, status, now)
    newer_attempt = update.attempt > step.attempts
    if newer_attempt or (
        update.attempt == step.attempts and STEP_RANK[status] >= STEP_RANK[StepStatus(step.status)]
    ):
        _move_step(step, update, status, now)
    session.add(step)
    session.commit()
    session.refresh(step)
    return step


def file_event_row(file: DetectedFile) -> FileEvent:
    return FileEvent(
        id=file.file_event_id,
        # The contract's key joins its parts with NUL, which PostgreSQL text cannot hold.
        dedup_key=hashlib.sha256(file.dedup_key.encode()).hexdigest(),
        agent_id=file.agent_id,
        host=file.host,
        root=file.root,
        rel_path=file.rel_path,
        name=file.name,
        size=file.size,
        mtime_ns=file.mtime_ns,
        detected_at=_parse_time(file.detected_at),
    )


def _placeholder_task(task_id: str, now: datetime) -> Task:
    return Task(id=task_id, workflow_id=task_id, created_at=now, updated_at=now)


def _move_task(task: Task, update: TaskUpdate, status: TaskStatus, now: datetime) -> None:
    task.status = status
    task.run_id = update.run_id or task.run_id
    task.bucket = update.bucket or task.bucket
    task.object_key = update.key or task.object_key
    task.sha256 = update.sha256 or task.sha256
    task.rule_id = update.rule_id if update.rule_id is not None else task.rule_id
    task.rule_version = (
        update.rule_version if update.rule_version is not None else task.rule_version
    )
    task.retry_of = update.retry_of or task.retry_of
    if status is TaskStatus.succeeded:
        task.error, task.error_class = update.error, update.error_class
    else:
        task.error = update.error or task.error
        task.error_class = update.error_class or task.error_class
    if status is not TaskStatus.pending and task.started_at is None:
        task.started_at = now
    if status.is_finished and task.finished_at is None:
        task.finished_at = now


def _move_step(step: TaskStep, update: StepUpdate, status: StepStatus, now: datetime) -> None:
    step.attempts = max(step.attempts, update.attempt)
    step.status = status
    step.step_type = update.step_type or step.step_type
    if status in (StepStatus.succeeded, StepStatus.skipped):
        step.error, step.error_class = update.error, update.error_class
    else:
        step.error = update.error or step.error
        step.error_class = update.error_class or step.error_class
    if status is not StepStatus.pending and step.started_at is None:
        step.started_at = now
    if not status.is_finished:
        step.finished_at = None  # a new attempt reopens a failed step
    elif step.finished_at is None:
        step.finished_at = now
    step.duration_ms = update.duration_ms or step.duration_ms
    if update.summary:
        step.summary = {**step.summary, **update.summary}


def _move_attempt(
    session: Session, attempt: TaskAttempt, update: StepUpdate, status: StepStatus, now: datetime
) -> None:
    attempt.status = status
    attempt.error = update.error or attempt.error
    attempt.error_class = update.error_class or attempt.error_class
    attempt.duration_ms = update.duration_ms or attempt.duration_ms
    if session.is_modified(attempt):
        attempt.recorded_at = now
    session.add(attempt)


def _commit(session: Session, task: Task, now: datetime) -> Task:
    if session.is_modified(task):
        task.updated_at = now
    session.add(task)
    session.commit()
    session.refresh(task)
    return task


def _parse_time(value: str) -> datetime:
    """The agent's ISO timestamp as aware UTC; naive means UTC, garbage means now."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return utcnow()
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
