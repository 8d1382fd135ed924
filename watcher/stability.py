"""Decide when a file has finished being written: size and mtime unchanged for `silence`.

With `close_settle` set, a close-after-write event (inotify IN_CLOSE_WRITE) shortens the wait
to `close_settle` seconds, unless the file is written again meanwhile. It is off by default:
writers that reopen a file per append (`echo >> log`) close it after every write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float
    closed: bool = False


class StabilityTracker:
    """Paths waiting to settle. Not thread-safe: one asyncio loop owns it."""

    def __init__(self, silence: float, close_settle: float | None = None) -> None:
        self.silence = silence
        self.close_settle = close_settle
        self._pending: dict[Path, _Seen] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def touch(self, path: Path, now: float) -> None:
        """A write, close or rename was seen: (re)start the silence window for `path`."""
        try:
            st = path.stat()
        except FileNotFoundError:
            self._pending.pop(path, None)
            return
        self._pending[path] = _Seen(st.st_size, st.st_mtime_ns, now)

    def closed(self, path: Path, now: float) -> None:
        """The writer closed `path`: it may settle after `close_settle` instead of `silence`."""
        self.touch(path, now)
        seen = self._pending.get(path)
        if seen is not None and self.close_settle is not None:
            seen.closed = True

    def forget(self, path: Path) -> None:
        self._pending.pop(path, None)

    def settled(self, now: float) -> list[tuple[Path, os.stat_result]]:
        """Paths whose size and mtime have not changed for `silence`; they leave the tracker."""
        ready: list[tuple[Path, os.stat_result]] = []
        for path, seen in list(self._pending.items()):
            try:
                st = path.stat()
            except FileNotFoundError:
                del self._pending[path]  # removed before it settled: nothing left to ship
                continue
            if (st.st_size, st.st_mtime_ns) != (seen.size, seen.mtime_ns):
                self._pending[path] = _Seen(st.st_size, st.st_mtime_ns, now)
            elif now - seen.since >= self._window(seen):
                del self._pending[path]
                ready.append((path, st))
        return ready

    def _window(self, seen: _Seen) -> float:
        if seen.closed and self.close_settle is not None:
            return min(self.close_settle, self.silence)
        return self.silence
