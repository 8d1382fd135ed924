"""A bandwidth cap shared by the threads of one upload."""

from __future__ import annotations

import threading
import time


class Throttle:
    """Spaces sends so the average rate stays at `rate` bytes per second (0 = no cap)."""

    def __init__(self, rate: int) -> None:
        self._rate = rate
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def consume(self, size: int) -> None:
        """Block until `size` more bytes may go out."""
        if self._rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(self._next, now)
            self._next = start + size / self._rate
        if start > now:
            time.sleep(start - now)
