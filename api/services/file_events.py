"""Reading files: newest-first keyset pages, each file's runs, and one file's whole life.

| filter                          | index                                                |
| ------------------------------- | ---------------------------------------------------- |
| none, detected_from/_to only    | ix_file_events_detected_at_id (detected_at, id)      |
| agent_id                        | ix_file_events_agent_id_detected_at_id               |
| path (substring of rel_path)    | a bounded scan window (api/services/keyset.py)       |

What a file's life can show is what the record activity writes: the file event (detected by
the agent), each task run (created when its workflow first records, `retry_of` linking
re-runs), each step and every attempt with its outcome, and the run's end. The agent's
spool (spooled, dispatched) is local to its host and not recorded centrally; a run's
`created_at` is when it was dispatched and started.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from api.models import TimelineEntry
from api.services.keyset import Keyset, Page, Position, decode_cursor, page_of
from store.models import FileEvent, Task, TaskStatus, TaskStep

FILE_EVENTS = Keyset(FileEvent.detected_at, FileEvent.id)


def list_file_events(
    session: Session,
    *,
    agent_id: str | None = None,
    path: str | None = None,
    detected_from: datetime | None = None,
    detected_to: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[FileEvent]:
    """File events newest first (detected_at, id); `detected_to` is exclusive."""
    indexed: list[Any] = []
    if agent_id is not None:
        indexed.append(col(FileEvent.agent_id) == agent_id)
    if detected_from is not None:
        indexed.append(col(FileEvent.detected_at) >= detected_from)
    if detected_to is not None:
        indexed.append(col(FileEvent.detected_at) < detected_to)
    if cursor is not None:
        indexed.append(FILE_EVENTS.before(decode_cursor(cursor)))
    query = select(FileEvent).where(*indexed)
    window_end = None
    if path:
        window_end = FILE_EVENTS.window_end(session, indexed)
        query = query.where(col(FileEvent.rel_path).icontains(path, autoescape=True))
        if window_end is not None:
            query = query.where(FILE_EVENTS.not_before(window_end))
    rows = session.exec(query.order_by(*FILE_EVENTS.order()).limit(limit + 1)).all()
    return page_of(rows, limit=limit, window_end=window_end, position=_position)


def get_file_event(session: Session, *, file_event_id: str) -> FileEvent | None:
    return session.get(FileEvent, file_event_id)


def runs_by_file(session: Session, *, file_event_ids: list[str]) -> dict[str, list[Task]]:
    """The runs of each file in `file_event_ids`, oldest first, in one query."""
    if not file_event_ids:
        return {}
    query = (
        select(Task)
        .where(col(Task.file_event_id).in_(file_event_ids))
        .order_by(col(Task.created_at), col(Task.id))
    )
    runs: dict[str, list[Task]] = defaultdict(list)
    for task in session.exec(query):
        assert task.file_event_id is not None
        runs[task.file_event_id].append(task)
    return runs


def tasks_of_file(session: Session, *, file_event_id: str) -> list[Task]:
    """Every run of one file, oldest first, with steps and attempts loaded."""
    query = (
        select(Task)
        .where(Task.file_event_id == file_event_id)
        .order_by(col(Task.created_at), col(Task.id))
        .options(
            selectinload(Task.file_event),  # type: ignore[arg-type]
            selectinload(Task.steps).selectinload(TaskStep.attempt_rows),  # type: ignore[arg-type]
        )
    )
    return list(session.exec(query))


def timeline(event: FileEvent, runs: list[Task]) -> list[TimelineEntry]:
    """The file's recorded moments, oldest first (runs' steps and attempts must be loaded)."""
    entries = [TimelineEntry(at=event.detected_at, event="detected", message=_where(event))]
    for task in runs:
        retried = f"retry of {task.retry_of}" if task.retry_of else ""
        rule = f"rule {task.rule_id} v{task.rule_version}" if task.rule_id is not None else ""
        entries.append(
            TimelineEntry(
                at=task.created_at,
                event="task.started",
                task_id=task.id,
                message=", ".join(part for part in (retried, rule) if part),
            )
        )
        for step in task.steps:
            for attempt in step.attempt_rows:
                entries.append(
                    TimelineEntry(
                        at=attempt.recorded_at,
                        event="step.attempt",
                        task_id=task.id,
                        step=step.name,
                        attempt=attempt.attempt,
                        status=attempt.status,
                        error_class=attempt.error_class,
                        message=attempt.error,
                    )
                )
        if task.finished_at is not None and TaskStatus(task.status).is_finished:
            entries.append(
                TimelineEntry(
                    at=task.finished_at,
                    event="task.finished",
                    task_id=task.id,
                    status=task.status,
                    error_class=task.error_class,
                    message=task.error,
                )
            )
    return sorted(entries, key=lambda entry: entry.at)


def _where(event: FileEvent) -> str:
    return f"{event.host}:{event.root.rstrip('/')}/{event.rel_path} ({event.size} bytes)"


def _position(event: FileEvent) -> Position:
    return event.detected_at, event.id
