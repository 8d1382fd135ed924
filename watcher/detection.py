"""Detection for the agent: start-up and reconcile scans, events, settling into the spool."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sluice.contracts import DetectedFile
from sluice.settings import AgentSettings
from watcher.filters import FileFilter
from watcher.metrics import AgentMetrics
from watcher.scanning import SeenFiles, walk_files
from watcher.spool import BASELINE, SpoolStore
from watcher.stability import StabilityTracker
from watcher.watching import EventKind, RootWatcher, _Forwarder, checked_roots

log = logging.getLogger("sluice.agent")


class Detection:
    """Find finished files under the roots and spool them once.

    It owns what decides which files are finished: the roots and their watcher, the filters,
    the stability windows. A live config change swaps them through `configure`. The agent
    hears of it through two callbacks: `notice` for what the control plane should show, and
    `on_spooled` after new files enter the spool (to wake the dispatcher).
    """

    def __init__(
        self,
        cfg: AgentSettings,
        spool: SpoolStore,
        metrics: AgentMetrics,
        *,
        notice: Callable[[str, str], None],
        on_spooled: Callable[[], None],
    ) -> None:
        self.cfg = cfg
        self.roots = checked_roots(cfg.roots)
        self.filter = FileFilter.from_settings(cfg)
        self.tracker = StabilityTracker(cfg.silence, cfg.close_settle)
        self.spool = spool
        self.metrics = metrics
        self.seen = SeenFiles()
        self.events: asyncio.Queue[tuple[EventKind, Path]] = asyncio.Queue()
        self.watcher: RootWatcher | None = None
        self._notice = notice
        self._on_spooled = on_spooled
        self._refused_links: set[str] = set()
        self._unreadable_dirs: set[str] = set()

    def start_watching(self) -> None:
        """Start the observer over the roots; its events arrive on this loop's queue."""
        loop = asyncio.get_running_loop()
        forwarder = _Forwarder(loop, self.events, self.metrics)
        self.watcher = RootWatcher(self.cfg.observer, self.cfg.poll_interval, forwarder)
        self.watcher.start(self.roots)

    def stop_watching(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    def configure(self, cfg: AgentSettings, roots: list[Path], file_filter: FileFilter) -> None:
        """Use new settings, roots and filters (checked by the caller) from now on."""
        self.cfg = cfg
        if file_filter != self.filter:
            self.filter = file_filter
            self.seen.refused.clear()  # refusals were decided by the old filters
        self.tracker.silence, self.tracker.close_settle = cfg.silence, cfg.close_settle
        if roots != self.roots:
            self.roots = roots
            if self.watcher is not None:
                self.watcher.watch(roots)

    def startup_scan(self) -> int:
        """Load what the spool knows, then find files written while the agent was down.

        On a first run with `backfill` off, files already present are recorded, not shipped.
        """
        self.seen.handled.reserve(self.spool.count())
        for path, size, mtime_ns in self.spool.known_versions():
            self.seen.handled.set(path, (size, mtime_ns))
        if not self.cfg.backfill and self.spool.is_empty():
            recorded = 0
            existing = (file for file, _ in self._candidates())
            while batch := list(itertools.islice(existing, 1000)):  # a few at a time: flat RSS
                self.spool.add_many(batch, state=BASELINE)
                for file in batch:
                    self.seen.handled.set(_key(file), (file.size, file.mtime_ns))
                recorded += len(batch)
            log.info("backfill off: %d existing file(s) recorded, not shipped", recorded)
            return 0
        return self.scan()

    def scan(self, top: Path | None = None) -> int:
        """Find files that events missed (written while down, queue overflow); returns how many."""
        found = 0
        now = time.monotonic()
        for file, path in self._candidates(top):
            if self.spool.known(file.file_event_id):
                self.seen.handled.set(_key(file), (file.size, file.mtime_ns))
            else:
                self.tracker.touch(path, now)
                found += 1
        return found

    def _candidates(self, top: Path | None = None) -> Iterator[tuple[DetectedFile, Path]]:
        """Files under `top` not known to be unchanged; all roots when `top` is None.

        A walk of all roots also makes the scan index forget files that are gone.
        """
        if top is None:
            self.seen.start_full_walk()
        for root in self.roots:
            if top is not None and not top.is_relative_to(root):
                continue
            for name, st in walk_files(root, top or root, self.filter, self._unreadable):
                version = (st.st_size, st.st_mtime_ns)
                if self.seen.unchanged(name, version):
                    continue
                path = Path(name)
                detected = self.detected(path, st)
                if detected is None:
                    self.seen.refused.set(name, version)
                else:
                    yield detected, path
        if top is None:
            self.seen.forget_unmarked()

    def _unreadable(self, directory: str) -> None:
        """A directory under a root that this user cannot read (made after start-up): warn once."""
        if directory in self._unreadable_dirs:
            return
        self._unreadable_dirs.add(directory)
        message = (
            f"cannot read directory {directory}: files in it are not shipped; grant this "
            "user read and execute permission, or add it to agent.exclude_dirs"
        )
        log.warning("%s", message)
        self.metrics.errors.labels("unreadable_dir").inc()
        self._notice("unreadable_dir", message)

    async def take_events(self) -> None:
        """Feed the watcher's events to the stability tracker (or a scan, for a directory)."""
        while True:
            kind, path = await self.events.get()
            if kind == "gone":
                self.tracker.forget(path)
            elif kind == "dir":
                self.scan(top=path)  # a directory moved in, or created with files already
            elif self._locate(path) is None:
                self.metrics.events.labels("filtered").inc()
            elif kind == "closed":
                self.tracker.closed(path, time.monotonic())
            else:
                self.tracker.touch(path, time.monotonic())

    async def settle(self) -> None:
        """Spool the files that have stayed unchanged for their window."""
        while True:
            cfg = self.cfg
            await asyncio.sleep(min(1.0, max(0.02, min(cfg.silence, cfg.close_settle or 1e9) / 4)))
            files = []
            for path, st in self.tracker.settled(time.monotonic()):
                detected = self.detected(path, st)
                if detected is None:
                    self.seen.refused.set(str(path), (st.st_size, st.st_mtime_ns))
                else:
                    files.append(detected)
            if not files:
                continue
            added = self.spool.add_many(files)
            for file in files:
                self.seen.handled.set(_key(file), (file.size, file.mtime_ns))
            for file in added:
                log.info("detected %s (%d bytes)", file.rel_path, file.size)
            if added:
                self.metrics.detected.inc(len(added))
                self._on_spooled()

    async def reconcile(self) -> None:
        """Scan all roots every `scan_interval`, a backstop for events that were missed."""
        while True:
            await asyncio.sleep(self.cfg.scan_interval)
            found = self.scan()
            if found:
                log.info("reconcile scan found %d file(s) that events missed", found)

    def _locate(self, path: Path) -> tuple[Path, str] | None:
        """The root holding `path` and its relative path, if the filters accept it."""
        for root in self.roots:
            if path.is_relative_to(root):
                rel = path.relative_to(root).as_posix()
                return (root, rel) if self.filter.accepts(rel) else None
        return None

    def detected(self, path: Path, st: os.stat_result | None = None) -> DetectedFile | None:
        """The file as a spool entry, or None if filtered, gone, or a symlink escaping its root."""
        located = self._locate(path)
        if located is None:
            return None
        root, rel = located
        try:
            st = st or path.stat()
        except FileNotFoundError:
            return None
        if not self.filter.accepts_size(st.st_size):
            return None
        if not os.path.realpath(path).startswith(str(root) + os.sep):
            if str(path) not in self._refused_links:
                self._refused_links.add(str(path))
                log.warning("refusing %s: it is a symlink leading outside root %s", path, root)
                self.metrics.errors.labels("symlink_escape").inc()
            return None
        cfg = self.cfg
        return DetectedFile(
            agent_id=cfg.id,
            host=cfg.hostname,
            root=str(root),
            rel_path=rel,
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            detected_at=datetime.now(UTC).isoformat(),
        )


def _key(file: DetectedFile) -> str:
    return f"{file.root}/{file.rel_path}"
