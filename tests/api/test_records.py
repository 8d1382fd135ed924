"""Record services: duplicate and late updates leave the projection as the workflow left it."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from sluice.contracts import RecordBatch
from store.models import FileEvent, Task, TaskAttempt, TaskStatus, TaskStep
from store.records import record_batch
from tests.api.builders import (
    apply_step_update,
    apply_task_update,
    detected_file,
    step_update,
    task_update,
)


def count(session: Session, model: type[FileEvent | Task | TaskStep | TaskAttempt]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_same_task_update_twice_makes_one_task_and_one_file_event(db_engine: Engine) -> None:
    file = detected_file()
    update = task_update(file, "running", run_id="run-1")
    with Session(db_engine) as session:
        first = apply_task_update(session, update=update)
        second = apply_task_update(session, update=update)
        assert (count(session, Task), count(session, FileEvent)) == (1, 1)
        event = session.get(FileEvent, file.file_event_id)
    assert first.id == second.id == file.workflow_id
    assert second.started_at == first.started_at
    assert second.updated_at == first.updated_at
    assert (second.status, second.agent_id, second.size) == ("running", "host-a", file.size)
    assert second.file_event_id == file.file_event_id
    assert event is not None
    assert (event.rel_path, event.name) == (file.rel_path, file.name)
    assert event.detected_at.isoformat() == "2026-01-02T03:04:05.678901+00:00"


def test_late_running_after_succeeded_is_ignored(db_engine: Engine) -> None:
    file = detected_file()
    with Session(db_engine) as session:
        apply_task_update(session, update=task_update(file, "running", run_id="run-1"))
        done = apply_task_update(
            session,
            update=task_update(
                file, "succeeded", bucket="dumps", key="a/b.hprof", sha256="ab" * 32
            ),
        )
        late = apply_task_update(session, update=task_update(file, "running", run_id="run-1"))
    assert late.status == TaskStatus.succeeded
    assert late.finished_at is not None
    assert late.finished_at == done.finished_at
    assert (late.bucket, late.object_key) == ("dumps", "a/b.hprof")


def test_transitions_set_timestamps_and_success_clears_the_retry_error(db_engine: Engine) -> None:
    file = detected_file()
    with Session(db_engine) as session:
        pending = apply_task_update(session, update=task_update(file, "pending"))
        assert (pending.started_at, pending.finished_at) == (None, None)
        retrying = apply_task_update(
            session,
            update=task_update(file, "retrying", error="timed out", error_class="Timeout"),
        )
        assert retrying.started_at is not None
        assert (retrying.error_class, retrying.finished_at) == ("Timeout", None)
        done = apply_task_update(session, update=task_update(file, "succeeded"))
    assert done.started_at == retrying.started_at
    assert done.finished_at is not None
    assert done.finished_at >= done.started_at
    assert (done.error, done.error_class) == ("", "")


def test_unknown_status_is_rejected(db_engine: Engine) -> None:
    with Session(db_engine) as session, pytest.raises(ValueError):
        apply_task_update(session, update=task_update(detected_file(), "exploded"))


def test_same_step_update_twice_makes_one_step_and_one_attempt(db_engine: Engine) -> None:
    file = detected_file()
    update = step_update(file.workflow_id, "succeeded", duration_ms=1200, summary={"parts": "3"})
    with Session(db_engine) as session:
        apply_task_update(session, update=task_update(file, "running"))
        first = apply_step_update(session, update=update)
        second = apply_step_update(session, update=update)
        assert (count(session, TaskStep), count(session, TaskAttempt)) == (1, 1)
    assert first.id == second.id
    assert second.finished_at == first.finished_at
    assert (second.status, second.attempts, second.duration_ms) == ("succeeded", 1, 1200)
    assert second.summary == {"parts": "3"}


def test_retried_step_keeps_every_attempt_and_ignores_late_ones(db_engine: Engine) -> None:
    task_id = detected_file().workflow_id
    with Session(db_engine) as session:
        apply_step_update(session, update=step_update(task_id, "running"))
        failed = apply_step_update(
            session,
            update=step_update(task_id, "failed", error="reset by peer", error_class="Connection"),
        )
        assert failed.finished_at is not None
        reopened = apply_step_update(session, update=step_update(task_id, "running", attempt=2))
        assert (reopened.status, reopened.finished_at) == ("running", None)
        apply_step_update(session, update=step_update(task_id, "succeeded", attempt=2))
        late = apply_step_update(session, update=step_update(task_id, "running", attempt=1))
        attempts = session.exec(
            select(TaskAttempt)
            .where(TaskAttempt.step_id == late.id)
            .order_by(col(TaskAttempt.attempt))
        ).all()
    assert (late.status, late.attempts, late.error) == ("succeeded", 2, "")
    assert late.finished_at is not None
    assert [(a.attempt, a.status, a.error_class) for a in attempts] == [
        (1, "failed", "Connection"),
        (2, "succeeded", ""),
    ]


def test_step_recorded_before_its_task_is_joined_up_later(db_engine: Engine) -> None:
    file = detected_file(agent_id="host-b")
    with Session(db_engine) as session:
        step = apply_step_update(session, update=step_update(file.workflow_id, "running"))
        assert step.task_id == file.workflow_id
        placeholder = session.get(Task, file.workflow_id)
        assert placeholder is not None
        assert (placeholder.status, placeholder.file_event_id) == ("pending", None)
        task = apply_task_update(session, update=task_update(file, "running", run_id="r-9"))
    assert (task.status, task.run_id, task.agent_id) == ("running", "r-9", "host-b")
    assert task.file_event_id == file.file_event_id


def test_concurrent_duplicate_updates_make_one_row_each(db_engine: Engine) -> None:
    """Record activities retried on several workers at once must not trip unique keys."""
    file = detected_file()

    def record(status: str) -> str:
        with Session(db_engine) as session:
            apply_task_update(session, update=task_update(file, status))
            step = apply_step_update(session, update=step_update(file.workflow_id, status))
            return str(step.status)

    statuses = ["running"] * 6 + ["succeeded"] * 6
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(record, statuses))
    with Session(db_engine) as session:
        counts = [count(session, m) for m in (FileEvent, Task, TaskStep, TaskAttempt)]
        task = session.get(Task, file.workflow_id)
    assert counts == [1, 1, 1, 1]
    assert task is not None
    assert task.status == "succeeded"


def test_a_new_task_and_its_first_step_are_written_without_reading_back(db_engine: Engine) -> None:
    """The routing batch (every file's first write) is four INSERTs: no SELECT, no UPDATE."""
    file = detected_file()
    batch = RecordBatch(
        task=task_update(file, "running"), steps=[step_update(file.workflow_id, "running")]
    )
    statements: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(db_engine, "before_cursor_execute", note)
    try:
        with db_engine.begin() as conn:
            record_batch(conn, batch)
    finally:
        event.remove(db_engine, "before_cursor_execute", note)
    assert [s for s in statements if s not in ("BEGIN", "COMMIT")] == ["INSERT"] * 4
    with Session(db_engine) as session:
        task = session.get(Task, file.workflow_id)
        assert task is not None
        assert (task.status, task.file_event_id, task.size) == (
            "running",
            file.file_event_id,
            file.size,
        )
        assert task.started_at is not None
        assert (count(session, TaskStep), count(session, TaskAttempt)) == (1, 1)


def test_a_first_write_makes_the_rows_an_update_of_existing_ones_makes(db_engine: Engine) -> None:
    """New rows are written whole; they must equal placeholders updated the slow way."""
    new, old = detected_file(), detected_file()
    with Session(db_engine) as session:
        # `old` gets its rows first, at their defaults: a pending step and a placeholder task.
        apply_step_update(session, update=step_update(old.workflow_id, "pending"))
        for file in (new, old):
            fields = {"run_id": "r-1", "error": "slow disk", "error_class": "timeout"}
            apply_task_update(session, update=task_update(file, "retrying", **fields))
            apply_step_update(
                session,
                update=step_update(
                    file.workflow_id, "failed", error="slow disk", error_class="timeout",
                    duration_ms=700, summary={"bytes": "42"},
                ),
            )  # fmt: skip
        rows = []
        for file in (new, old):
            task = session.get(Task, file.workflow_id)
            step = session.exec(select(TaskStep).where(TaskStep.task_id == file.workflow_id)).one()
            attempt = session.exec(select(TaskAttempt).where(TaskAttempt.step_id == step.id)).one()
            assert task is not None
            rows.append(
                (
                    (task.status, task.run_id, task.size, task.error, task.error_class),
                    (task.started_at is not None, task.finished_at is not None),
                    (step.status, step.step_type, step.attempts, step.error, step.error_class),
                    (step.duration_ms, step.summary, step.finished_at is not None),
                    (attempt.attempt, attempt.status, attempt.error, attempt.duration_ms),
                )
            )
    assert rows[0] == rows[1]
    assert rows[0][0][0] == "retrying"
    assert rows[0][3] == (700, {"bytes": "42"}, True)
