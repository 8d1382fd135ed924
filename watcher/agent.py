"""`sluice agent`: watch roots, settle files, spool, dispatch, and run the host worker."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from temporalio.client import Client
from temporalio.worker import Worker
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from activities.upload import UploadActivities
from sluice.contracts import DetectedFile
from sluice.settings import Settings
from watcher.dispatch import Dispatcher
from watcher.filters import FileFilter
from watcher.spool import SpoolStore
from watcher.stability import StabilityTracker

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("sluice.agent")


class AgentConfigError(ValueError):
    """The agent cannot start with this configuration; the message says what to change."""


def checked_roots(roots: list[Path]) -> list[Path]:
    resolved = []
    for root in roots:
        if not root.is_dir():
            raise AgentConfigError(f"watch root {root} does not exist or is not a directory")
        if not os.access(root, os.R_OK | os.X_OK):
            raise AgentConfigError(f"watch root {root} is not readable by this user")
        resolved.append(root.resolve())
    return resolved


class _Forwarder(FileSystemEventHandler):
    """Hands watchdog's thread events to the asyncio loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Path]) -> None:
        self._loop = loop
        self._queue = queue

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("deleted", "opened", "closed_no_write"):
            return
        path = event.dest_path if event.event_type == "moved" else event.src_path
        self._loop.call_soon_threadsafe(self._queue.put_nowait, Path(os.fsdecode(path)))


class Agent:
    def __init__(self, settings: Settings, client: Client, s3: S3Client) -> None:
        cfg = settings.agent
        self.settings = settings
        self.roots = checked_roots(cfg.roots)
        self.filter = FileFilter(cfg.temp_suffixes, cfg.include_suffixes, cfg.include_hidden)
        self.tracker = StabilityTracker(cfg.silence)
        self.spool = SpoolStore(cfg.spool_path)
        self.dispatcher = Dispatcher(client, self.spool, settings)
        self._client = client
        self._s3 = s3
        self._events: asyncio.Queue[Path] = asyncio.Queue()

    async def run(self) -> None:
        """Run until cancelled; on cancel the host worker finishes or heartbeats its work."""
        cfg = self.settings.agent
        observer = Observer()
        forwarder = _Forwarder(asyncio.get_running_loop(), self._events)
        for root in self.roots:
            observer.schedule(forwarder, str(root), recursive=True)
        observer.start()
        log.info(
            "agent %s watching %s (silence %.1fs)",
            cfg.id,
            ", ".join(map(str, self.roots)),
            cfg.silence,
        )
        with ThreadPoolExecutor(cfg.max_activities, thread_name_prefix="host-activity") as pool:
            worker = Worker(
                self._client,
                task_queue=cfg.host_queue,
                activities=[UploadActivities(self._s3, self.roots).upload_file],
                activity_executor=pool,
                max_concurrent_activities=cfg.max_activities,
                graceful_shutdown_timeout=timedelta(seconds=20),
            )
            try:
                self.scan()
                async with asyncio.TaskGroup() as group:
                    group.create_task(worker.run())
                    group.create_task(self.dispatcher.run())
                    group.create_task(self._take_events())
                    group.create_task(self._settle())
                    group.create_task(self._reconcile())
            finally:
                observer.stop()
                observer.join(timeout=5)
                self.spool.close()

    def scan(self) -> int:
        """Find files that events missed (written while down, queue overflow); returns how many."""
        found = 0
        now = time.monotonic()
        for root in self.roots:
            for dirpath, dirnames, filenames in os.walk(root):
                if not self.settings.agent.include_hidden:
                    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    path = Path(dirpath, name)
                    detected = self._detected(path)
                    if detected is not None and not self.spool.known(detected.file_event_id):
                        self.tracker.touch(path, now)
                        found += 1
        return found

    async def _take_events(self) -> None:
        while True:
            path = await self._events.get()
            if self._locate(path) is not None:
                self.tracker.touch(path, time.monotonic())

    async def _settle(self) -> None:
        tick = min(1.0, self.tracker.silence / 4)
        while True:
            await asyncio.sleep(tick)
            spooled = 0
            for path, _ in self.tracker.settled(time.monotonic()):
                detected = self._detected(path)
                if detected is not None and self.spool.add(detected):
                    log.info("detected %s (%d bytes)", detected.rel_path, detected.size)
                    spooled += 1
            if spooled:
                self.dispatcher.wake()

    async def _reconcile(self) -> None:
        while True:
            await asyncio.sleep(self.settings.agent.scan_interval)
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

    def _detected(self, path: Path) -> DetectedFile | None:
        located = self._locate(path)
        if located is None:
            return None
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        cfg = self.settings.agent
        return DetectedFile(
            agent_id=cfg.id,
            host=cfg.hostname,
            root=str(located[0]),
            rel_path=located[1],
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            detected_at=datetime.now(UTC).isoformat(),
        )
