"""Reading tasks: newest-first keyset pages with filters, and one task with everything it did."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import tuple_
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from api.models import Task, TaskStatus, TaskStep


class InvalidCursor(ValueError):
    """A `cursor` that this API did not hand out."""


@dataclass(frozen=True)
class TaskRows:
    items: list[Task]
    next_cursor: str | None


def list_tasks(
    session: Session,
    *,
    status: TaskStatus | None = None,
    agent_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> TaskRows:
    """Tasks newest first (created_at, id); pass `next_cursor` back to get the next page."""
    query = select(Task).options(selectinload(Task.file_event))  # type: ignore[arg-type]
    if status is not None:
        query = query.where(Task.status == status)
    if agent_id is not None:
        query = query.where(Task.agent_id == agent_id)
    if cursor is not None:
        created_at, task_id = decode_cursor(cursor)
        query = query.where(tuple_(Task.created_at, Task.id) < tuple_(created_at, task_id))
    query = query.order_by(col(Task.created_at).desc(), col(Task.id).desc()).limit(limit + 1)
    rows = list(session.exec(query))
    if len(rows) <= limit:
        return TaskRows(items=rows, next_cursor=None)
    last = rows[limit - 1]
    return TaskRows(items=rows[:limit], next_cursor=encode_cursor(last.created_at, last.id))


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


def encode_cursor(created_at: datetime, task_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), task_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, task_id = json.loads(raw)
        parsed = datetime.fromisoformat(created_at)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor(f"invalid cursor {cursor!r}") from exc
    if parsed.tzinfo is None or not isinstance(task_id, str):
        raise InvalidCursor(f"invalid cursor {cursor!r}")
    return parsed, task_id
