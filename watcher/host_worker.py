"""The host worker: polls `sluice-host-<agent>`, runs the activities that need its files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)

from watcher.metrics import AgentMetrics

log = logging.getLogger("sluice.agent")

ActivityFactory = Callable[[Sequence[Path]], Sequence[Callable[..., Any]]]


class _CountingInterceptor(Interceptor):
    """Counts uploaded bytes and activity errors by class into the agent's metrics."""

    def __init__(self, metrics: AgentMetrics) -> None:
        self._metrics = metrics

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _CountingActivity(next, self._metrics)


class _CountingActivity(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, metrics: AgentMetrics) -> None:
        super().__init__(next)
        self._metrics = metrics

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            result = await super().execute_activity(input)
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


class HostWorker:
    """A Temporal worker on the host queue that can be resized or re-rooted while it runs.

    On cancellation (SIGTERM) it stops polling, gives running activities `grace` seconds to
    finish or heartbeat, then asks them to cancel; the upload resumes from its last
    heartbeated part wherever it is retried.
    """

    def __init__(
        self,
        client: Client,
        task_queue: str,
        activities: ActivityFactory,
        roots: Sequence[Path],
        max_activities: int,
        grace: float,
        metrics: AgentMetrics,
    ) -> None:
        self._client = client
        self._queue = task_queue
        self._activities = activities
        self.roots = list(roots)
        self.max_activities = max_activities
        self.grace = grace
        self._metrics = metrics
        self._restart = asyncio.Event()

    def reconfigure(self, roots: Sequence[Path], max_activities: int) -> None:
        """Restart the worker with new roots or concurrency; running activities finish first."""
        if list(roots) != self.roots or max_activities != self.max_activities:
            self.roots, self.max_activities = list(roots), max_activities
            self._restart.set()

    async def run(self) -> None:
        while True:
            self._restart.clear()
            pool = ThreadPoolExecutor(self.max_activities, thread_name_prefix="host-activity")
            worker = Worker(
                self._client,
                task_queue=self._queue,
                activities=list(self._activities(self.roots)),
                activity_executor=pool,
                max_concurrent_activities=self.max_activities,
                graceful_shutdown_timeout=timedelta(seconds=self.grace),
                interceptors=[_CountingInterceptor(self._metrics)],
            )
            running = asyncio.create_task(worker.run())
            restart = asyncio.create_task(self._restart.wait())
            try:
                await asyncio.wait({running, restart}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                await self._stop(worker, running, pool)
                raise
            finally:
                restart.cancel()
            if running.done():
                running.result()  # a fatal worker error ends the agent
            log.info(
                "restarting host worker: %d activities, roots %s",
                self.max_activities, ", ".join(map(str, self.roots)),
            )  # fmt: skip
            await self._stop(worker, running, pool)

    async def _stop(
        self, worker: Worker, running: asyncio.Task[None], pool: ThreadPoolExecutor
    ) -> None:
        stopping = asyncio.ensure_future(worker.shutdown())
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(stopping), timeout=self.grace + 5)
        if not running.done():
            running.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(running, timeout=1)
        pool.shutdown(wait=False, cancel_futures=True)
