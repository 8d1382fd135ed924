"""Where log alerting keeps its place, in the agent's spool database: each followed file's
(inode, offset), the suppression windows of the rule set in force, and an outbox of alerts
not yet accepted by the API.

A file's new position, the alerts its lines raised and the windows they moved are written in
one transaction, so a restart resumes after the last line whose alerts are safe, never reads
a line twice, and goes on counting the repeats a window holds back.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from watcher.logalerts.rules import Key
from watcher.logalerts.tail import Position

# Windows moved since the last write: (rule, path, signature) → the state, None if gone.
Windows = list[tuple[Key, dict[str, Any] | None]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log_positions (
    path TEXT PRIMARY KEY,
    inode INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    skipping INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log_alert_windows (
    rule TEXT NOT NULL,
    path TEXT NOT NULL,
    signature TEXT NOT NULL,
    rules TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (rule, path, signature)
);
CREATE TABLE IF NOT EXISTS log_alert_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL
);
"""

PENDING = "pending"
REJECTED = "rejected"  # the API refused it as invalid (a 400): kept, reported, not retried


class LogAlertState:
    """One connection to the spool's file (WAL: the spool's own connection works alongside)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def positions(self) -> dict[str, Position]:
        rows = self._db.execute("SELECT path, inode, offset, skipping FROM log_positions")
        return {path: Position(inode, offset, bool(skip)) for path, inode, offset, skip in rows}

    def windows(self, rules: str) -> list[tuple[Key, dict[str, Any]]]:
        """The saved windows of the rule set `rules` (a digest); those of others are dropped."""
        self._db.execute("DELETE FROM log_alert_windows WHERE rules != ?", (rules,))
        rows = self._db.execute("SELECT rule, path, signature, state FROM log_alert_windows")
        return [((rule, path, sig), json.loads(state)) for rule, path, sig, state in rows]

    def advance(
        self,
        path: str,
        position: Position,
        alerts: Iterable[dict[str, Any]],
        windows: tuple[str, Windows] = ("", []),
    ) -> None:
        """Queue `alerts`, save the rule set's `windows` and move `path` to `position`: all
        or nothing."""
        with self._transaction():
            self._queue(alerts)
            self._save(*windows)
            self._db.execute(
                "INSERT INTO log_positions (path, inode, offset, skipping) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (path) DO UPDATE SET inode = excluded.inode, "
                "offset = excluded.offset, skipping = excluded.skipping",
                (path, position.inode, position.offset, int(position.skipping)),
            )

    def queue(
        self, alerts: Iterable[dict[str, Any]], windows: tuple[str, Windows] = ("", [])
    ) -> None:
        """Queue alerts that no line position goes with (counts of closed windows)."""
        alerts = list(alerts)
        if not alerts and not windows[1]:
            return
        with self._transaction():
            self._queue(alerts)
            self._save(*windows)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _queue(self, alerts: Iterable[dict[str, Any]]) -> None:
        now = time.time()
        self._db.executemany(
            "INSERT INTO log_alert_outbox (payload, created_at) VALUES (?, ?)",
            [(json.dumps(alert), now) for alert in alerts],
        )

    def _save(self, rules: str, windows: Windows) -> None:
        gone = [key for key, state in windows if state is None]
        self._db.executemany(
            "DELETE FROM log_alert_windows WHERE rule = ? AND path = ? AND signature = ?", gone
        )
        self._db.executemany(
            "INSERT INTO log_alert_windows (rule, path, signature, rules, state) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (rule, path, signature) DO UPDATE SET "
            "rules = excluded.rules, state = excluded.state",
            [(*key, rules, json.dumps(state)) for key, state in windows if state is not None],
        )

    def forget(self, paths: Iterable[str]) -> None:
        """Drop the positions of files no longer followed."""
        self._db.executemany("DELETE FROM log_positions WHERE path = ?", [(p,) for p in paths])

    def pending(self, limit: int = 200) -> list[tuple[int, dict[str, Any]]]:
        rows = self._db.execute(
            "SELECT id, payload FROM log_alert_outbox WHERE state = 'pending' ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        return [(row_id, json.loads(payload)) for row_id, payload in rows]

    def sent(self, ids: Iterable[int]) -> None:
        self._db.executemany("DELETE FROM log_alert_outbox WHERE id = ?", [(i,) for i in ids])

    def failed(self, ids: Iterable[int], error: str, *, rejected: bool) -> None:
        self._db.executemany(
            "UPDATE log_alert_outbox SET attempts = attempts + 1, last_error = ?, state = ? "
            "WHERE id = ?",
            [(error[:1000], REJECTED if rejected else PENDING, i) for i in ids],
        )

    def count(self, state: str = PENDING) -> int:
        query = "SELECT count(*) FROM log_alert_outbox WHERE state = ?"
        (n,) = self._db.execute(query, (state,)).fetchone()
        return int(n)
