"""Write task and step transitions to the metadata DB (the projection the API lists)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import Histogram
from sqlalchemy import Connection, Engine, select
from temporalio import activity

from sluice.contracts import RecordBatch
from store.models import TaskStatus
from store.records import FILE_EVENTS, Finished, record_batch

# Detection (the agent saw the file settle) to success, as the dashboard's `dwell`; observed
# by the write that finishes the task, so once per task however often a batch is retried.
DWELL = Histogram(
    "sluice_task_dwell_seconds",
    "Seconds from a file's detection to its task succeeding",
    buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400),
)


class RecordActivities:
    """Run as local activities on the central worker, next to the workflow."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # SQLite takes one writer at a time; queueing here beats spinning on its busy lock.
        self._write_lock: contextlib.AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @activity.defn(name="record")
    def record(self, batch: RecordBatch) -> None:
        """Apply the steps' transitions, then the task's, in one transaction."""
        with self.transaction() as conn:
            finished = record_batch(conn, batch)
            detected = _detected_at(conn, finished)
        if finished is not None and detected is not None:
            DWELL.observe(max(0.0, (finished.at - detected).total_seconds()))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction, committed at the end (the one writer at a time on SQLite)."""
        with self._write_lock, self._engine.begin() as conn:
            yield conn


def _detected_at(conn: Connection, finished: Finished | None) -> datetime | None:
    """When the file of a task this batch made succeed was detected (None otherwise)."""
    if finished is None or finished.status is not TaskStatus.succeeded:
        return None
    if not finished.file_event_id:
        return None
    query = select(FILE_EVENTS.c.detected_at).where(FILE_EVENTS.c.id == finished.file_event_id)
    detected: datetime | None = conn.execute(query).scalar()
    if detected is None:
        return None
    return detected.replace(tzinfo=UTC) if detected.tzinfo is None else detected.astimezone(UTC)
