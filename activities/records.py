"""Write task and step transitions to the metadata DB (the projection the API lists)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import Connection, Engine
from temporalio import activity

from sluice.contracts import RecordBatch
from store.records import record_batch


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
            record_batch(conn, batch)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction, committed at the end (the one writer at a time on SQLite)."""
        with self._write_lock, self._engine.begin() as conn:
            yield conn
