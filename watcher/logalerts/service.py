"""Log keyword alerts on an agent: follow the rules' files, match lines, queue and send alerts.

Every `poll_interval` the files the rules name are found and read from their positions; a
file's matches are queued together with its new position (see state.py), then the sender
is woken. Files present when a rule set is first applied start at their end
(`start_from_end`), so history does not alert; files that appear later are read whole.
Suppression windows are saved with the positions, and taken back after a restart as long as
the rule set is the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sluice.logalerts import RESERVED_LABELS, LogAlertSettings
from sluice.settings import AgentSettings
from watcher.logalerts.files import followed_files
from watcher.logalerts.rules import CompiledRule, Matcher, Report
from watcher.logalerts.sender import AlertSender
from watcher.logalerts.state import LogAlertState
from watcher.logalerts.tail import Position, follow

log = logging.getLogger("sluice.agent")

MAX_READS_PER_POLL = 8  # budget-sized reads per file per poll, so one busy log cannot starve
MAX_DESCRIPTION_CHARS = 4096
MAX_ROTATED = 10_000
FORGET_AFTER = 3600.0  # seconds a followed file may be missing before its position goes


class LogAlerts:
    """The agent's log alerting. `configure` takes each applied config; `run` until cancelled."""

    def __init__(
        self,
        cfg: AgentSettings,
        roots: list[Path],
        *,
        notice: Callable[[str, str], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = LogAlertState(cfg.spool_path)  # used by `poll`, in a worker thread
        self.sender = AlertSender(LogAlertState(cfg.spool_path), cfg, notice)
        self._clock = clock
        self._notice = notice
        self._positions: dict[str, Position] = self.state.positions()
        self._settings = LogAlertSettings()
        self._matcher = Matcher([])
        self._rules_digest = ""  # of the rule set in force: the saved windows are its
        self._fresh = True
        self._rotated: dict[int, None] = {}  # inodes of rotated files already read to the end
        self._rules_of: dict[str, list[CompiledRule]] = {}  # followed path → its rules
        self._missing: dict[str, float] = {}  # followed path → when its file went missing
        self.configure(cfg, roots)

    def configure(self, cfg: AgentSettings, roots: list[Path]) -> None:
        """Apply a config; a changed rule set starts afresh (its suppression windows too)."""
        self._roots = list(roots)
        self._identity = {"host": cfg.hostname, "agent": cfg.id}
        self._agent_labels = {k: v for k, v in cfg.labels.items() if k not in RESERVED_LABELS}
        if cfg.log_alerts.rules != self._settings.rules:
            self._matcher = Matcher(cfg.log_alerts.rules)
            rules = [rule.model_dump(mode="json") for rule in cfg.log_alerts.rules]
            text = json.dumps(rules, sort_keys=True).encode()
            self._rules_digest = hashlib.sha256(text).hexdigest()
            self._fresh = True
        self._settings = cfg.log_alerts

    async def run(self) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.sender.run())
                group.create_task(self._follow())
        finally:
            await self.sender.close()
            self.sender.outbox.close()
            self.state.close()

    async def _follow(self) -> None:
        while True:
            if self._matcher.rules:
                try:
                    queued = await asyncio.to_thread(self.poll)
                except Exception as exc:  # a full disk, a locked spool: try again next poll
                    log.exception("log alerts: reading the followed files failed")
                    self._notice("log_alerts_error", f"reading logs failed: {exc!r}"[:500])
                    queued = 0
                if queued:
                    self.sender.wake()
            await asyncio.sleep(self._settings.poll_interval)

    def poll(self) -> int:
        """Read every followed file once; the number of alerts queued."""
        settings, matcher, now = self._settings, self._matcher, self._clock()
        files = followed_files(self._roots, matcher.rules, settings.max_files)
        from_end = settings.start_from_end and self._fresh
        if self._fresh:  # a new rule set (or a restart): its windows as they were saved
            self._rules_of = {}
            matcher.restore(self.state.windows(self._rules_digest))
        # A file gone from its glob (renamed, not yet recreated) is still followed for a
        # while: its old inode is drained, and a new file under its name goes on from there.
        gone = {
            p: self._rules_of[p] for p in self._positions if p not in files and p in self._rules_of
        }
        for path in gone:
            self._missing.setdefault(path, now)
        for path in files:
            self._missing.pop(path, None)
        self._rules_of = {**gone, **files}
        queued = 0
        for path, rules in self._rules_of.items():
            queued += self._read(path, rules, from_end=from_end)
        self._fresh = False
        due = [self._payload(report) for report in matcher.due(now)]
        self.state.queue(due, (self._rules_digest, matcher.changed()))
        expired = {p for p, since in self._missing.items() if now - since > FORGET_AFTER}
        stale = [p for p in self._positions if p not in self._rules_of or p in expired]
        if len(files) < settings.max_files and stale:  # a capped listing says nothing more
            for path in stale:
                self._positions.pop(path, None)
                self._rules_of.pop(path, None)
                self._missing.pop(path, None)
            self.state.forget(stale)
        return queued + len(due)

    def _read(self, path: str, rules: list[CompiledRule], *, from_end: bool) -> int:
        position = self._positions.get(path)
        if position is None and (position := self._adopted(path)) is not None:
            self.state.advance(path, position, [])
            self._positions[path] = position
        queued = 0
        for _ in range(MAX_READS_PER_POLL):
            read = follow(path, position, self._settings.max_line_bytes, from_end=from_end)
            if read.position is None or (read.position == position and not read.lines):
                break
            now = self._clock()
            observe = self._matcher.observe
            reports = [r for line in read.lines for r in observe(rules, path, line, now)]
            windows = (self._rules_digest, self._matcher.changed())
            self.state.advance(path, read.position, [self._payload(r) for r in reports], windows)
            if position is not None and read.position.inode != position.inode:
                self._rotated[position.inode] = None  # its rest is read: not new if renamed
                while len(self._rotated) > MAX_ROTATED:
                    del self._rotated[next(iter(self._rotated))]
            self._positions[path] = position = read.position
            queued += len(reports)
        return queued

    def _adopted(self, path: str) -> Position | None:
        """A new name for a file already followed (a rotated log a glob also matches): it
        goes on from that file's current end, as its old name reads the rest of it."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        known = st.st_ino in self._rotated
        if known or any(pos.inode == st.st_ino for pos in self._positions.values()):
            return Position(st.st_ino, st.st_size)
        return None

    def _payload(self, report: Report) -> dict[str, Any]:
        """The alert as /api/v2/alerts' shape; its labels make its fingerprint."""
        labels = {
            **self._agent_labels, **report.labels, **self._identity,
            "alertname": report.rule, "rule": report.rule, "path": report.path,
            "signature": report.signature, "severity": report.severity,
        }  # fmt: skip
        if report.escalated:
            labels["escalated"] = "true"
        annotations = {
            "summary": report.title, "description": report.line[:MAX_DESCRIPTION_CHARS],
            "count": str(report.count), "suppressed": str(report.suppressed),
        }  # fmt: skip
        started = datetime.fromtimestamp(report.at, UTC).isoformat()
        return {"labels": labels, "annotations": annotations, "startsAt": started}
