"""Reading tasks: newest-first keyset pages with filters, and one task with everything it did.

Which index serves which filter (each with the newest-first order, an index range scan):

| filter                      | index                                          |
| --------------------------- | ---------------------------------------------- |
| none, created_from/_to only | ix_tasks_created_at_id (created_at, id)        |
| status                      | ix_tasks_status_created_at_id                  |
| agent_id                    | ix_tasks_agent_id_created_at_id                |
| rule_id                     | ix_tasks_rule_id_created_at_id                 |
| error_class                 | ix_tasks_error_class_created_at_id             |
| path (substring of rel_path)| no btree can; a bounded scan window (below)    |

The time range narrows whichever index is used (created_at is its second column), and the
cursor continues the same range. Several equality filters together use one of their indexes
and check the others on the rows it yields. Each task's file event is joined by primary key
(a listed task shows its host and path). `path` matches that path case-insensitively; a page
examines at most `keyset.SCAN_ROWS` tasks that the other filters select (see
api/services/keyset.py), so a rare substring costs a few bounded pages rather than one scan of
the whole table.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table
from sqlalchemy import select as select_columns
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from api.models import FileEvent, Task, TaskPublic, TaskStatus, TaskStep
from api.services.keyset import (
    InvalidCursor,
    Keyset,
    Page,
    Position,
    decode_cursor,
    encode_cursor,
    page_of,
)

__all__ = ["TASKS", "InvalidCursor", "encode_cursor", "get_task", "list_tasks"]

# The list is a Core query on the tables: rows come back as tuples, no ORM objects are built.
_tasks: Table = Task.__table__  # type: ignore[attr-defined]
_files: Table = FileEvent.__table__  # type: ignore[attr-defined]
TASKS = Keyset(_tasks.c.created_at, _tasks.c.id)
# What a listed task shows: TaskPublic's stored fields in its order, then its file's host and path.
LISTED = [_tasks.c[name] for name in TaskPublic.model_fields if name in _tasks.c]
LISTED += [_files.c.host, _files.c.rel_path]


def list_tasks(
    session: Session,
    *,
    status: TaskStatus | None = None,
    agent_id: str | None = None,
    rule_id: int | None = None,
    error_class: str | None = None,
    path: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Row[Any]]:
    """Tasks newest first (created_at, id); pass `next_cursor` back to get the next page.

    Each row has the `LISTED` columns. `created_from` is inclusive and `created_to` exclusive;
    `path` is a case-insensitive substring of the file's path relative to its root.
    """
    task = _tasks.c
    indexed: list[Any] = []
    if status is not None:
        indexed.append(task.status == status)
    if agent_id is not None:
        indexed.append(task.agent_id == agent_id)
    if rule_id is not None:
        indexed.append(task.rule_id == rule_id)
    if error_class is not None:
        indexed.append(task.error_class == error_class)
    if created_from is not None:
        indexed.append(task.created_at >= created_from)
    if created_to is not None:
        indexed.append(task.created_at < created_to)
    if cursor is not None:
        indexed.append(TASKS.before(decode_cursor(cursor)))
    query = (
        select_columns(*LISTED)
        .select_from(_tasks.outerjoin(_files, _files.c.id == task.file_event_id))
        .where(*indexed)
    )
    window_end = None
    if path:
        window_end = TASKS.window_end(session, indexed)
        query = query.where(_files.c.rel_path.icontains(path, autoescape=True))
        if window_end is not None:
            query = query.where(TASKS.not_before(window_end))
    rows = session.connection().execute(query.order_by(*TASKS.order()).limit(limit + 1)).all()
    return page_of(rows, limit=limit, window_end=window_end, position=_position)


def get_task(session: Session, *, task_id: str) -> Task | None:
    """One task with its file event and its steps' attempts loaded, or None."""
    query = (
        select(Task)
        .where(Task.id == task_id)
        .options(
            selectinload(Task.file_event),  # type: ignore[arg-type]
            selectinload(Task.steps).selectinload(TaskStep.attempt_rows),  # type: ignore[arg-type]
        )
    )
    return session.exec(query).first()


def other_runs(session: Session, task: Task) -> list[Task]:
    """The other tasks of `task`'s file event (earlier runs and retries), oldest first."""
    if task.file_event_id is None:
        return []
    query = (
        select(Task)
        .where(Task.file_event_id == task.file_event_id, Task.id != task.id)
        .order_by(col(Task.created_at), col(Task.id))
    )
    return list(session.exec(query).all())


def _position(row: Row[Any]) -> Position:
    return row.created_at, row.id
