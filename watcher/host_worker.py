"""The host workers: `sluice-host-<agent>` runs the activities that need the host's files
(uploads, scripts, excerpts) within `max_activities`; a second one on `sluice-hostview-<agent>`
runs the read-only host views within `view_activities`, so viewers never take upload slots."""

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
from temporalio.worker import FixedSizeSlotSupplier, Worker, WorkerTuner

from sluice.logs.temporal import worker_interceptors
from watcher.host_activity import ActivitySlots, HostInterceptor
from watcher.metrics import AgentMetrics

log = logging.getLogger("sluice.agent")

ActivityFactory = Callable[[Sequence[Path]], Sequence[Callable[..., Any]]]

# Threads for sync activities are started on demand, up to this many; `max_activities`
# above it restarts the worker with a bigger pool.
POOL_CEILING = 64


class HostWorker:
    """A Temporal worker on the host queue that can be resized or re-rooted while it runs.

    A new `max_activities` applies at once, without a restart: running activities carry on
    and new ones start as slots free up. New roots restart the worker (the activities are
    built for their roots), as does a concurrency above `POOL_CEILING`.

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
        views: HostWorker | None = None,
        views_limit: Callable[[], int] | None = None,
    ) -> None:
        self._client = client
        self.views = views  # the view worker: it follows this one's roots
        self._views_limit = views_limit  # its concurrency in the settings now
        self._queue = task_queue
        self._activities = activities
        self.roots = list(roots)
        self.max_activities = max_activities
        self.grace = grace
        self._metrics = metrics
        self._restart = asyncio.Event()
        self.slots: ActivitySlots | None = None
        self._pool_size = 0

    def reconfigure(self, roots: Sequence[Path], max_activities: int) -> None:
        """Apply new concurrency now; restart for new roots (running activities finish first).
        The view worker gets the new roots and keeps its own concurrency."""
        if self.views is not None:
            limit = self._views_limit() if self._views_limit else self.views.max_activities
            self.views.reconfigure(roots, limit)
        self.max_activities = max_activities
        if self.slots is not None:
            self.slots.resize(max_activities)
        if list(roots) != self.roots or max_activities > self._pool_size:
            self.roots = list(roots)
            self._restart.set()

    async def run(self) -> None:
        while True:
            self._restart.clear()
            self._pool_size = max(POOL_CEILING, self.max_activities)
            pool = ThreadPoolExecutor(self._pool_size, thread_name_prefix=f"{self._queue}-activity")
            self.slots = ActivitySlots(self.max_activities, asyncio.get_running_loop())
            worker = Worker(
                self._client,
                task_queue=self._queue,
                activities=list(self._activities(self.roots)),
                activity_executor=pool,
                tuner=WorkerTuner.create_composite(
                    workflow_supplier=FixedSizeSlotSupplier(1),  # no workflows here
                    activity_supplier=self.slots,
                    local_activity_supplier=FixedSizeSlotSupplier(1),
                    nexus_supplier=FixedSizeSlotSupplier(1),
                ),
                graceful_shutdown_timeout=timedelta(seconds=self.grace),
                interceptors=[
                    HostInterceptor(self.slots, self._metrics),
                    *worker_interceptors(self._client),
                ],
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
                "restarting worker %s: %d activities, roots %s",
                self._queue, self.max_activities, ", ".join(map(str, self.roots)),
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
