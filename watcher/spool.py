"""The agent's durable spool: every detected file is written here before it is dispatched."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
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


class SpoolStore:
    """SQLite in WAL mode; an entry is keyed by the file's dedup id, so a file spools once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def add(self, file: DetectedFile) -> bool:
        """Spool `file`; False if this exact file (same dedup key) was spooled before."""
        payload = json.dumps(dataclasses.asdict(file))
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO spool (id, payload, created_at) VALUES (?, ?, ?)",
            (file.file_event_id, payload, time.time()),
        )
        return cursor.rowcount == 1

    def known(self, file_event_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM spool WHERE id = ?", (file_event_id,)).fetchone()
        return row is not None

    def pending(self, limit: int = 100) -> list[DetectedFile]:
        rows = self._db.execute(
            "SELECT payload FROM spool WHERE state = 'pending' ORDER BY created_at LIMIT ?",
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

    def prune(self, older_than: float) -> int:
        """Drop dispatched entries older than `older_than` seconds; pending ones stay."""
        cursor = self._db.execute(
            "DELETE FROM spool WHERE state = 'dispatched' AND dispatched_at < ?",
            (time.time() - older_than,),
        )
        return cursor.rowcount
