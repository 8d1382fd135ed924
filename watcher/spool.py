"""The agent's durable spool: every detected file is written here before it is dispatched."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sluice.contracts import DetectedFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL,
    dispatched_at REAL
);
CREATE INDEX IF NOT EXISTS spool_pending ON spool (state, created_at);
"""

PENDING = "pending"
DISPATCHED = "dispatched"
BASELINE = "baseline"  # present before the agent first ran, with backfill off: never shipped


def spool_states(path: Path) -> dict[str, int]:
    """State → count, read-only from another process (WAL lets it read while the agent writes).

    For whoever watches an agent from outside: the process tests and the agent benchmark.
    """
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT state, count(*) FROM spool GROUP BY state").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        rows = []  # the agent is still creating it
    finally:
        db.close()
    return dict(rows)


class SpoolStore:
    """SQLite in WAL mode; an entry is keyed by the file's dedup id, so a file spools once.

    States: pending → dispatched (workflow started, or already existed), or baseline.
    Owned by one thread (the agent's event loop); `check_same_thread` is off for tests.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def add(self, file: DetectedFile) -> bool:
        """Spool `file`; False if this exact file (same dedup key) was spooled before."""
        return bool(self.add_many([file]))

    def add_many(self, files: Iterable[DetectedFile], state: str = PENDING) -> list[DetectedFile]:
        """Spool several files in one transaction; returns those not spooled before."""
        added: list[DetectedFile] = []
        now = time.time()
        with self._transaction():
            for file in files:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO spool (id, payload, state, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (file.file_event_id, json.dumps(dataclasses.asdict(file)), state, now),
                )
                if cursor.rowcount == 1:
                    added.append(file)
        return added

    def known(self, file_event_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM spool WHERE id = ?", (file_event_id,)).fetchone()
        return row is not None

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM spool LIMIT 1").fetchone() is None

    def known_versions(self) -> Iterator[tuple[str, int, int]]:
        """(absolute path, size, mtime_ns) of every spooled file version, oldest first.

        For the scan index; SQLite reads the JSON, so no payload is decoded in Python.
        """
        yield from self._db.execute(
            "SELECT json_extract(payload, '$.root') || '/' || json_extract(payload, '$.rel_path'),"
            " json_extract(payload, '$.size'), json_extract(payload, '$.mtime_ns') "
            "FROM spool ORDER BY rowid"
        )

    def pending(self, limit: int = 100) -> list[DetectedFile]:
        rows = self._db.execute(
            "SELECT payload FROM spool WHERE state = 'pending' ORDER BY created_at, id LIMIT ?",
            (limit,),
        ).fetchall()
        return [DetectedFile(**json.loads(payload)) for (payload,) in rows]

    def mark_dispatched(self, file_event_id: str) -> None:
        self._db.execute(
            "UPDATE spool SET state = 'dispatched', dispatched_at = ?, last_error = NULL "
            "WHERE id = ?",
            (time.time(), file_event_id),
        )

    def mark_failed(self, file_event_id: str, error: str) -> None:
        self._db.execute(
            "UPDATE spool SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:1000], file_event_id),
        )

    def depth(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM spool WHERE state = 'pending'").fetchone()
        return int(count)

    def count(self, state: str | None = None) -> int:
        """Entries in `state`, or all entries."""
        if state is None:
            (count,) = self._db.execute("SELECT count(*) FROM spool").fetchone()
        else:
            query = "SELECT count(*) FROM spool WHERE state = ?"
            (count,) = self._db.execute(query, (state,)).fetchone()
        return int(count)

    def prune(
        self, older_than: float, still_there: Callable[[DetectedFile], bool] | None = None
    ) -> int:
        """Drop dispatched entries older than `older_than` seconds; pending ones stay.

        With `still_there`, an entry whose file still exists unchanged is kept, so a file left
        in a root is still recognised as handled by the next scan, however old it is.
        """
        cutoff = time.time() - older_than
        rows = self._db.execute(  # streamed: with 100,000 files present, most rows are kept
            "SELECT id, payload FROM spool WHERE state IN ('dispatched', 'baseline') "
            "AND coalesce(dispatched_at, created_at) < ?",
            (cutoff,),
        )
        doomed = [
            (entry_id,)
            for entry_id, payload in rows
            if still_there is None or not still_there(DetectedFile(**json.loads(payload)))
        ]
        with self._transaction():
            self._db.executemany("DELETE FROM spool WHERE id = ?", doomed)
        return len(doomed)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
