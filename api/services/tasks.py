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

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Dialect, Row, Select, Table, TypeDecorator, bindparam, type_coerce
from sqlalchemy import select as select_columns
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from api.services.keyset import (
    InvalidCursor,
    Keyset,
    Page,
    Position,
    decode_cursor,
    encode_cursor,
    page_of,
    window_params,
)
from store.models import FileEvent, Task, TaskPublic, TaskStatus, TaskStep

__all__ = ["TASKS", "InvalidCursor", "encode_cursor", "get_task", "list_tasks"]


class ListedTime(TypeDecorator[datetime]):
    """A stored time read straight to aware UTC: a page holds 4 x 51 of them.

    The model's `UTCDateTime` does the same in two steps (the dialect's own processing, then
    a decorator), which on SQLite cost as much as running the page query.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None]:
        if dialect.name == "sqlite":  # text, "YYYY-MM-DD HH:MM:SS[.ffffff]", in UTC
            return lambda value: (
                None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)
            )
        return lambda value: None if value is None else value.astimezone(UTC)


# The list is a Core query on the tables: rows come back as tuples, no ORM objects are built.
_tasks: Table = Task.__table__  # type: ignore[attr-defined]
_files: Table = FileEvent.__table__  # type: ignore[attr-defined]
TASKS = Keyset(_tasks.c.created_at, _tasks.c.id)
# What a listed task shows: TaskPublic's stored fields in its order, then its file's host and path.
LISTED = [_tasks.c[name] for name in TaskPublic.model_fields if name in _tasks.c]
LISTED += [_files.c.host, _files.c.rel_path]
_READ = [
    type_coerce(column, ListedTime()).label(column.name)
    if isinstance(column.type, UTCDateTime)
    else column
    for column in LISTED
]

# What each filter adds to the page, by the name its value is bound as. A page's statement
# is built once for each combination of filters (see `_page`); a call only binds values.
_task = _tasks.c
_WHERE = {
    "status": _task.status == bindparam("status"),
    "agent_id": _task.agent_id == bindparam("agent_id"),
    "rule_id": _task.rule_id == bindparam("rule_id"),
    "error_class": _task.error_class == bindparam("error_class"),
    "created_from": _task.created_at >= bindparam("created_from"),
    "created_to": _task.created_at < bindparam("created_to"),
    "before_at": TASKS.columns() < TASKS.bound("before"),  # bound by TASKS.bind("before", ...)
    "path": _files.c.rel_path.icontains(bindparam("path"), escape="/"),
    "window_at": TASKS.columns() >= TASKS.bound("window"),
}


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
    given = {
        "status": status,
        "agent_id": agent_id,
        "rule_id": rule_id,
        "error_class": error_class,
        "created_from": created_from,
        "created_to": created_to,
    }
    values: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if cursor is not None:
        values |= TASKS.bind("before", decode_cursor(cursor))
    indexed = _filters(values)
    conn = session.connection()
    window_end = None
    if path:
        row = conn.execute(_window(indexed), values | window_params()).first()
        window_end = None if row is None else (row[0], row[1])
        values["path"] = path.replace("/", "//").replace("%", "/%").replace("_", "/_")  # literal
        if window_end is not None:
            values |= TASKS.bind("window", window_end)
    rows = conn.execute(_page(_filters(values)), values | {"limit": limit + 1}).all()
    return page_of(rows, limit=limit, window_end=window_end, position=_position)


def _filters(values: dict[str, Any]) -> tuple[str, ...]:
    """Which `_WHERE` conditions `values` binds, in `_WHERE`'s order (a cache key)."""
    return tuple(name for name in _WHERE if name in values)


@cache
def _page(filters: tuple[str, ...]) -> Select[Any]:
    return (
        select_columns(*_READ)
        .select_from(_tasks.outerjoin(_files, _files.c.id == _task.file_event_id))
        .where(*(_WHERE[name] for name in filters))
        .order_by(*TASKS.order())
        .limit(bindparam("limit"))
    )


@cache
def _window(filters: tuple[str, ...]) -> Select[Any]:
    return TASKS.window_query([_WHERE[name] for name in filters])


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
