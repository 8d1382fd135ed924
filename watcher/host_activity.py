"""How host activities run: a live concurrency limit, metrics, and a stop that can be resumed."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    CustomSlotSupplier,
    ExecuteActivityInput,
    Interceptor,
    SlotMarkUsedContext,
    SlotPermit,
    SlotReleaseContext,
    SlotReserveContext,
)

from watcher.metrics import AgentMetrics


class ActivitySlots(CustomSlotSupplier):
    """At most `limit` activities at once, where `limit` can change while the worker runs.

    Temporal holds a slot for each poll in progress and a held slot outlives a lower limit,
    so a task that arrives on one of those waits in `running_place` for its turn. Temporal
    Core calls `release_slot` (and `try_reserve_slot`) from its own threads: the counts are
    guarded by a lock, and waiters are woken through the event loop.
    """

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        self.limit = limit
        self.reserved = 0  # slots held by polls and by running activities
        self.running = 0
        self._lock = threading.Lock()
        self._loop = loop
        self._freed = asyncio.Event()

    def resize(self, limit: int) -> None:
        with self._lock:
            self.limit = limit
        self._wake()

    async def reserve_slot(self, ctx: SlotReserveContext) -> SlotPermit:
        while not self._take("reserved"):
            self._freed.clear()
            if self._take("reserved"):  # freed between the two checks
                break
            await self._freed.wait()
        return SlotPermit()

    def try_reserve_slot(self, ctx: SlotReserveContext) -> SlotPermit | None:
        return SlotPermit() if self._take("reserved") else None

    def mark_slot_used(self, ctx: SlotMarkUsedContext) -> None:
        pass

    def release_slot(self, ctx: SlotReleaseContext) -> None:
        with self._lock:
            self.reserved -= 1
        self._wake()

    @contextlib.asynccontextmanager
    async def running_place(self) -> AsyncIterator[None]:
        """Run within the limit; while waiting, heartbeat so the activity does not time out."""
        while not self._take("running"):
            if activity.is_cancelled():
                raise CancelledError("cancelled while waiting for a free activity slot")
            activity.heartbeat(*activity.info().heartbeat_details)  # keep what it had
            self._freed.clear()
            if self._take("running"):
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._freed.wait(), timeout=1.0)
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._wake()

    def _take(self, counter: str) -> bool:
        with self._lock:
            if getattr(self, counter) >= self.limit:
                return False
            setattr(self, counter, getattr(self, counter) + 1)
            return True

    def _wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self._loop.call_soon_threadsafe(self._freed.set)


class HostInterceptor(Interceptor):
    """Runs host activities within `slots`, counts their bytes and errors, and turns a stop
    mid-activity (the shutdown grace ran out) into a failure the workflow resumes from."""

    def __init__(self, slots: ActivitySlots, metrics: AgentMetrics) -> None:
        self._slots = slots
        self._metrics = metrics

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _HostActivity(next, self._slots, self._metrics)


class _HostActivity(ActivityInboundInterceptor):
    def __init__(
        self, next: ActivityInboundInterceptor, slots: ActivitySlots, metrics: AgentMetrics
    ) -> None:
        super().__init__(next)
        self._slots = slots
        self._metrics = metrics
        self._beats: _LastHeartbeat | None = None

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        self._beats = _LastHeartbeat(outbound)
        super().init(self._beats)

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            async with self._slots.running_place():
                result = await super().execute_activity(input)
        except (asyncio.CancelledError, CancelledError) as exc:
            details = activity.cancellation_details()
            if details is None or not details.worker_shutdown:
                raise
            # Temporal would report a bare "WorkerShutdown" failure, dropping the heartbeat
            # details (the upload's finished parts) that the workflow resumes from.
            self._metrics.errors.labels("shutdown").inc()
            beats = self._beats.details if self._beats else ()
            raise ApplicationError(
                "the agent stopped before this activity finished (its shutdown grace ran "
                "out); the retry resumes from the last heartbeat",
                *beats,
                type="timeout",
            ) from exc
        except ApplicationError as exc:
            self._metrics.errors.labels(exc.type or "application").inc()
            raise
        except Exception as exc:
            self._metrics.errors.labels(type(exc).__name__).inc()
            raise
        size = getattr(result, "size", None)
        if isinstance(size, int) and hasattr(result, "key"):  # an upload's result
            self._metrics.bytes_uploaded.inc(size)
        return result


class _LastHeartbeat(ActivityOutboundInterceptor):
    """Keeps the details of the activity's latest heartbeat."""

    def __init__(self, next: ActivityOutboundInterceptor) -> None:
        super().__init__(next)
        self.details: tuple[Any, ...] = ()

    def heartbeat(self, *details: Any) -> None:
        if details:
            self.details = details
        super().heartbeat(*details)
