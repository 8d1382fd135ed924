"""Idempotent writers behind the record activity: task and step transitions into the DB.

Temporal retries activities, and updates can arrive twice or late; every function here can
run any number of times, in any order, and leaves the row as the newest transition says.
The writes are SQLAlchemy Core on the caller's connection, one transaction per batch: the
central worker writes two batches per file, and the ORM's unit of work and refreshes were
most of the worker's CPU time per file (see bench/pipeline.py).

A row that is not there yet is written whole, as the transition leaves it, by one INSERT
that yields to a concurrent writer's row; only a row that exists is locked, read and
updated. A file's first batch (its file event, task, first step and attempt) is four
INSERTs, its last (two steps and the task) eleven statements.
"""

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, RowMapping, Select, Table, Update, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert

from sluice.contracts import DetectedFile, RecordBatch, StepUpdate, TaskUpdate
from store.models import FileEvent, StepStatus, Task, TaskAttempt, TaskStatus, TaskStep, utcnow

TASKS: Table = Task.__table__  # type: ignore[attr-defined]
STEPS: Table = TaskStep.__table__  # type: ignore[attr-defined]
ATTEMPTS: Table = TaskAttempt.__table__  # type: ignore[attr-defined]
FILE_EVENTS: Table = FileEvent.__table__  # type: ignore[attr-defined]


def _locking(table: Table, *keys: str) -> Select[Any]:
    """SELECT the row with the given key columns, locked against other writers (PostgreSQL)."""
    where = [table.c[key] == bindparam(f"k_{key}") for key in keys]
    return select(table).where(*where).with_for_update(key_share=True)


def _updating(table: Table) -> Update:
    """UPDATE by id; the SET columns are the keys of the parameters it is executed with."""
    return update(table).where(table.c.id == bindparam("k_id"))


# Built once: the statements are the same for every batch, only the parameters change.
TASK_ROW, UPDATE_TASK = _locking(TASKS, "id"), _updating(TASKS)
STEP_ROW, UPDATE_STEP = _locking(STEPS, "task_id", "name"), _updating(STEPS)
ATTEMPT_ROW, UPDATE_ATTEMPT = _locking(ATTEMPTS, "step_id", "attempt"), _updating(ATTEMPTS)
INSERT_ATTEMPT = ATTEMPTS.insert()

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
    StepStatus.cancelled: 2,
    StepStatus.compensated: 3,
}


class Finished(NamedTuple):
    """The batch's task, when this batch is the one that finished it (for the dwell metric)."""

    status: TaskStatus
    file_event_id: str | None
    at: datetime


def record_batch(conn: Connection, batch: RecordBatch) -> Finished | None:
    """Apply `batch`: its task transition, then its step transitions. The caller commits.

    Tasks are written in id order, so concurrent batches lock them in the same order.
    """
    now = utcnow()
    finished = None
    task = batch.task
    if task is not None and task.file is not None:
        insert_absent(conn, FILE_EVENTS, file_event_row(task.file).model_dump())
    for task_id in sorted(
        {step.task_id for step in batch.steps} | ({task.task_id} if task else set())
    ):
        if task is not None and task_id == task.task_id:
            finished = _apply_task(conn, task, now)
        else:  # a step's task, if it has no row yet: one for the step to refer to
            insert_absent(conn, TASKS, _new_task(task_id, now))
    for step in batch.steps:
        _apply_step(conn, step, now)
    return finished


def _apply_task(conn: Connection, change: TaskUpdate, now: datetime) -> Finished | None:
    status = TaskStatus(change.status)
    new = _task_after(_new_task(change.task_id, now), change, status, now)
    if insert_absent(conn, TASKS, new):  # a new task: one statement
        return Finished(status, new["file_event_id"], now) if new["finished_at"] else None
    row = conn.execute(TASK_ROW, {"k_id": change.task_id}).mappings().one()
    changed = _changes(row, _task_after(row, change, status, now))
    if changed:
        changed["updated_at"] = now
        conn.execute(UPDATE_TASK, {**changed, "k_id": change.task_id})
    if changed.get("finished_at") is None:
        return None
    return Finished(status, changed.get("file_event_id", row["file_event_id"]), now)


def _apply_step(conn: Connection, change: StepUpdate, now: datetime) -> None:
    status = StepStatus(change.status)
    new_step = _new_step(change)
    step_id = _insert_new_id(conn, STEPS, new_step | _moved_step(new_step, change, status, now))
    if step_id is not None:  # a new step, so a new attempt: two statements
        conn.execute(INSERT_ATTEMPT, _new_attempt(step_id, change, status, now))
        return
    step = _step_row(conn, change)
    if not insert_absent(conn, ATTEMPTS, _new_attempt(step["id"], change, status, now)):
        key = {"k_step_id": step["id"], "k_attempt": change.attempt}
        attempt = conn.execute(ATTEMPT_ROW, key).mappings().one()
        if STEP_RANK[status] >= STEP_RANK[StepStatus(attempt["status"])]:
            changed = _changes(attempt, _moved_attempt(attempt, change, status))
            if changed:
                changed["recorded_at"] = now
                conn.execute(UPDATE_ATTEMPT, {**changed, "k_id": attempt["id"]})
    newer_attempt = change.attempt > step["attempts"]
    if newer_attempt or (
        change.attempt == step["attempts"]
        and STEP_RANK[status] >= STEP_RANK[StepStatus(step["status"])]
    ):
        changed = _changes(step, _moved_step(step, change, status, now))
        if changed:
            conn.execute(UPDATE_STEP, {**changed, "k_id": step["id"]})


def _task_after(
    row: Mapping[Any, Any], change: TaskUpdate, status: TaskStatus, now: datetime
) -> dict[str, Any]:
    """The task `row` as `change` leaves it."""
    new = dict(row)
    if change.file is not None:
        new["file_event_id"] = row["file_event_id"] or change.file.file_event_id
        new["agent_id"] = row["agent_id"] or change.file.agent_id
        new["size"] = change.file.size if row["size"] is None else row["size"]
    if TASK_RANK[status] >= TASK_RANK[TaskStatus(row["status"])]:
        new |= _moved_task(row, change, status, now)
    return new


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


# A new row before its first transition: every column at the model's default.
NEW_TASK = Task(id="", workflow_id="").model_dump()
NEW_STEP = TaskStep(task_id="", name="", step_type="").model_dump(exclude={"id"})
NEW_ATTEMPT = TaskAttempt(step_id=0, attempt=0).model_dump(exclude={"id"})


def _new_task(task_id: str, now: datetime) -> dict[str, Any]:
    return NEW_TASK | {"id": task_id, "workflow_id": task_id, "created_at": now, "updated_at": now}


def _new_step(change: StepUpdate) -> dict[str, Any]:
    return NEW_STEP | {
        "task_id": change.task_id, "name": change.name, "step_type": change.step_type
    }  # fmt: skip


def _new_attempt(
    step_id: int, change: StepUpdate, status: StepStatus, now: datetime
) -> dict[str, Any]:
    """The attempt `change` starts, as its first transition leaves it."""
    row = NEW_ATTEMPT | {
        "step_id": step_id, "attempt": change.attempt, "status": status.value, "recorded_at": now
    }  # fmt: skip
    return row | _moved_attempt(row, change, status)


def _moved_task(
    row: Mapping[Any, Any], change: TaskUpdate, status: TaskStatus, now: datetime
) -> dict[str, Any]:
    new = {
        "status": status.value,
        "run_id": change.run_id or row["run_id"],
        "bucket": change.bucket or row["bucket"],
        "object_key": change.key or row["object_key"],
        "sha256": change.sha256 or row["sha256"],
        "rule_id": change.rule_id if change.rule_id is not None else row["rule_id"],
        "rule_version": (
            change.rule_version if change.rule_version is not None else row["rule_version"]
        ),
        "retry_of": change.retry_of or row["retry_of"],
    }
    if status is TaskStatus.succeeded:
        new["error"], new["error_class"] = change.error, change.error_class
    else:
        new["error"] = change.error or row["error"]
        new["error_class"] = change.error_class or row["error_class"]
    if status is not TaskStatus.pending and row["started_at"] is None:
        new["started_at"] = now
    if status.is_finished and row["finished_at"] is None:
        new["finished_at"] = now
    return new


def _moved_step(
    row: Mapping[Any, Any], change: StepUpdate, status: StepStatus, now: datetime
) -> dict[str, Any]:
    # A compensation is an entry after the step's last attempt, not an attempt of its own.
    ran = change.attempt if status is not StepStatus.compensated else change.attempt - 1
    new = {
        "attempts": max(row["attempts"], ran),
        "status": status.value,
        "step_type": change.step_type or row["step_type"],
        "duration_ms": change.duration_ms or row["duration_ms"],
    }
    if status in (StepStatus.succeeded, StepStatus.skipped):
        new["error"], new["error_class"] = change.error, change.error_class
    else:
        new["error"] = change.error or row["error"]
        new["error_class"] = change.error_class or row["error_class"]
    if status is not StepStatus.pending and row["started_at"] is None:
        new["started_at"] = now
    if not status.is_finished:
        new["finished_at"] = None  # a new attempt reopens a failed step
    elif row["finished_at"] is None:
        new["finished_at"] = now
    if change.summary:
        new["summary"] = {**row["summary"], **change.summary}
    return new


def _moved_attempt(
    row: Mapping[Any, Any], change: StepUpdate, status: StepStatus
) -> dict[str, Any]:
    return {
        "status": status.value,
        "error": change.error or row["error"],
        "error_class": change.error_class or row["error_class"],
        "duration_ms": change.duration_ms or row["duration_ms"],
    }


def _changes(row: Mapping[Any, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in new.items() if value != row[key]}


def _step_row(conn: Connection, change: StepUpdate) -> RowMapping:
    key = {"k_task_id": change.task_id, "k_name": change.name}
    return conn.execute(STEP_ROW, key).mappings().one()


def insert_absent(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """INSERT unless the row collides with a unique key; safe under concurrent writers.

    True if it inserted the row.
    """
    return conn.execute(_insert_ignoring_conflicts(conn.dialect.name, table), values).rowcount == 1


def _insert_new_id(conn: Connection, table: Table, values: Mapping[str, Any]) -> int | None:
    """As insert_absent, but the new row's id, or None if the row was there."""
    statement = _insert_ignoring_conflicts(conn.dialect.name, table, returning_id=True)
    return conn.execute(statement, values).scalar()


@cache
def _insert_ignoring_conflicts(dialect: str, table: Table, returning_id: bool = False) -> Insert:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).on_conflict_do_nothing()
    if returning_id:
        return statement.returning(table.c.id)
    return statement.execution_options(preserve_rowcount=True)  # else no INSERT's is kept


def _parse_time(value: str) -> datetime:
    """The agent's ISO timestamp as aware UTC; naive means UTC, garbage means now."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return utcnow()
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
