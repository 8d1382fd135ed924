"""Heartbeats on a timer, so an activity counts as alive whether or not it makes progress."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from temporalio import activity

# Beats per heartbeat timeout: one lost or late beat still leaves the attempt alive.
BEATS_PER_TIMEOUT = 4


class Pulse:
    """While open, heartbeats `details()` from a thread every quarter of the heartbeat timeout.

    Temporal declares an attempt lost when a heartbeat timeout passes without a heartbeat;
    one part can take longer than that (a slow link, a bandwidth cap), and a single-part PUT
    has no progress to report. The SDK sends at most one heartbeat per 0.8 x the timeout,
    so these cost the server no more than progress heartbeats do. Without a heartbeat
    timeout (tests, local activities) nothing runs.
    """

    def __init__(self, details: Callable[[], tuple[Any, ...]]) -> None:
        timeout = activity.info().heartbeat_timeout
        self.every = timeout.total_seconds() / BEATS_PER_TIMEOUT if timeout else None
        self._details = details
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Pulse:
        if self.every:
            context = contextvars.copy_context()  # activity.heartbeat finds its activity here
            self._thread = threading.Thread(
                target=context.run, args=(self._beat,), name="heartbeat", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _beat(self) -> None:
        assert self.every is not None
        while not self._stop.wait(self.every):
            try:
                activity.heartbeat(*self._details())
            except Exception:  # the activity is over; its own thread reports how it ended
                activity.logger.debug("heartbeat failed", exc_info=True)
                return
