"""Watch the roots: watchdog observers, events handed to asyncio, start-up checks with fixes."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from watcher.filters import FileFilter
from watcher.metrics import AgentMetrics

log = logging.getLogger("sluice.agent")

MAX_USER_WATCHES = Path("/proc/sys/fs/inotify/max_user_watches")

EventKind = Literal["write", "closed", "dir", "gone"]


class AgentConfigError(ValueError):
    """The agent cannot start with this configuration; the message says what to change."""


def checked_roots(roots: Iterable[Path]) -> list[Path]:
    """Resolved roots; a missing, non-directory or unreadable root is an AgentConfigError."""
    resolved = []
    for root in roots:
        if not root.is_dir():
            raise AgentConfigError(f"watch root {root} does not exist or is not a directory")
        if not os.access(root, os.R_OK | os.X_OK):
            raise AgentConfigError(f"watch root {root} is not readable by this user")
        resolved.append(root.resolve())
    return resolved


def count_directories(
    roots: Iterable[Path], file_filter: FileFilter | None = None
) -> tuple[int, list[str]]:
    """Directories under the roots (one inotify watch each) and those that cannot be read.

    An unreadable directory that the filters exclude is not reported: nothing in it ships.
    """
    count, unreadable = 0, []
    for root in roots:
        prefix = len(str(root)) + 1
        for dirpath, dirnames, _ in os.walk(root, onerror=lambda e: unreadable.append(e.filename)):
            count += 1
            for name in list(dirnames):
                path = os.path.join(dirpath, name)
                if not os.access(path, os.R_OK | os.X_OK):
                    dirnames.remove(name)  # reported here, not again by os.walk
                    if file_filter is None or not file_filter.dir_excluded(path[prefix:]):
                        unreadable.append(path)
    return count, unreadable


def watch_limit() -> int | None:
    try:
        return int(MAX_USER_WATCHES.read_text())
    except (OSError, ValueError):
        return None


def sysctl_advice(needed: int) -> str:
    wanted = max(524288, 1 << (2 * needed - 1).bit_length())
    return (
        f"raise it with `sudo sysctl fs.inotify.max_user_watches={wanted}` and keep it with "
        f"`echo fs.inotify.max_user_watches={wanted} | sudo tee /etc/sysctl.d/90-sluice.conf`, "
        "or set agent.observer: polling"
    )


def check_watchable(
    roots: list[Path], *, limit: int | None = None, file_filter: FileFilter | None = None
) -> int:
    """Fail before watching if a directory is unreadable or inotify has too few watches.

    Directories that `file_filter` excludes may be unreadable. Returns the number of
    directories to watch.
    """
    count, unreadable = count_directories(roots, file_filter)
    if unreadable:
        shown = ", ".join(unreadable[:5]) + (" ..." if len(unreadable) > 5 else "")
        raise AgentConfigError(
            f"cannot read {len(unreadable)} director{'y' if len(unreadable) == 1 else 'ies'} "
            f"under the roots: {shown}; grant this user read and execute permission, or add "
            "them to agent.exclude_dirs"
        )
    limit = watch_limit() if limit is None else limit
    if limit is not None and count >= limit:
        raise AgentConfigError(
            f"the roots hold {count} directories, each needing an inotify watch, but "
            f"fs.inotify.max_user_watches is {limit}; {sysctl_advice(count)}"
        )
    return count


class _Forwarder(FileSystemEventHandler):
    """Hands watchdog's thread events to the asyncio loop as (kind, path)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        queue: asyncio.Queue[tuple[EventKind, Path]],
        metrics: AgentMetrics | None = None,
    ) -> None:
        self._loop = loop
        self._queue = queue
        self._seen = metrics.events.labels("seen") if metrics else None

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind in ("opened", "closed_no_write") or (event.is_directory and kind == "modified"):
            return
        if self._seen is not None:
            self._seen.inc()
        items: list[tuple[EventKind, str | bytes]] = []
        if kind == "moved":
            items.append(("gone", event.src_path))
            items.append(("dir" if event.is_directory else "write", event.dest_path))
        elif kind == "deleted":
            items.append(("gone", event.src_path))
        elif event.is_directory:
            items.append(("dir", event.src_path))
        else:
            items.append(("closed" if kind == "closed" else "write", event.src_path))
        for item_kind, raw in items:
            self._loop.call_soon_threadsafe(
                self._queue.put_nowait, (item_kind, Path(os.fsdecode(raw)))
            )


class RootWatcher:
    """One watchdog observer over all roots; roots can be swapped while it runs."""

    def __init__(self, kind: str, poll_interval: float, forwarder: _Forwarder) -> None:
        self.kind = kind
        self._forwarder = forwarder
        self._observer: BaseObserver = (
            PollingObserver(timeout=poll_interval) if kind == "polling" else Observer()
        )
        self.roots: list[Path] = []
        self._watches: dict[Path, ObservedWatch] = {}

    def start(self, roots: list[Path]) -> None:
        self.watch(roots)
        self._observer.start()

    def watch(self, roots: list[Path]) -> None:
        """Watch exactly `roots` (recursively), adding and dropping watches as needed."""
        for gone in [root for root in self._watches if root not in roots]:
            self._observer.unschedule(self._watches.pop(gone))
        try:
            for root in roots:
                if root not in self._watches:
                    self._watches[root] = self._observer.schedule(
                        self._forwarder, str(root), recursive=True
                    )
        except OSError as exc:
            raise _watch_error(exc, roots) from None
        self.roots = list(roots)

    def alive(self) -> bool:
        return self._observer.is_alive()

    def stop(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout=5)


def _watch_error(exc: OSError, roots: list[Path]) -> Exception:
    if exc.errno == errno.ENOSPC:
        count, _ = count_directories(roots)
        return AgentConfigError(
            f"out of inotify watches while watching {count} directories "
            f"(fs.inotify.max_user_watches is {watch_limit()}); {sysctl_advice(count)}"
        )
    if exc.errno == errno.EMFILE:
        return AgentConfigError(
            "out of inotify instances; raise it with "
            "`sudo sysctl fs.inotify.max_user_instances=1024`"
        )
    return exc
