"""Drain the spool into Temporal: one FileWorkflow per file, started with its deterministic id."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import UTC, datetime

from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from sluice.contracts import DetectedFile, FileWorkflowInput
from sluice.logs.context import file_ids
from sluice.settings import Settings
from sluice.starts import start_file_workflow
from watcher.backpressure import InFlight, RateLimiter
from watcher.metrics import AgentMetrics
from watcher.spool import SpoolStore

log = logging.getLogger("sluice.dispatch")


def workflow_input(file: DetectedFile, settings: Settings) -> FileWorkflowInput:
    return FileWorkflowInput(file=file, host_queue=settings.agent.host_queue)


class Dispatcher:
    """Starts workflows for pending spool entries; backs off while Temporal is unreachable.

    Starts run `concurrency` at a time, within the rate limit and the in-flight cap. A start
    that Temporal refuses because the workflow id exists counts as done: that is the dedup.
    """

    def __init__(
        self,
        client: Client,
        spool: SpoolStore,
        settings: Settings,
        metrics: AgentMetrics | None = None,
        *,
        concurrency: int = 16,
    ) -> None:
        cfg = settings.agent
        self._client = client
        self._spool = spool
        self._settings = settings
        self.metrics = metrics or AgentMetrics()
        self.rate = RateLimiter(cfg.dispatch_rate)
        self.in_flight = InFlight(client, cfg.id, cfg.max_in_flight)
        self.concurrency = concurrency
        self.last_error = ""
        self.failures = 0  # consecutive failed drains
        self._wake = asyncio.Event()

    def configure(self, settings: Settings) -> None:
        """Apply new limits (a live config change)."""
        self._settings = settings
        self.rate.set_rate(settings.agent.dispatch_rate)
        self.in_flight.limit = settings.agent.max_in_flight

    def wake(self) -> None:
        self._wake.set()

    async def run(self, max_backoff: float = 30.0) -> None:
        backoff = 0.5
        while True:
            ok = await self.drain()
            self.metrics.spool_depth.set(self._spool.depth())
            if ok:
                backoff, self.failures = 0.5, 0
            else:
                self.failures += 1
                backoff = min(backoff * 2, max_backoff)
            self._wake.clear()
            delay = 5.0 if ok else backoff * random.uniform(0.8, 1.2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def drain(self) -> bool:
        """Dispatch everything pending; False if a start failed and should be retried later."""
        while batch := self._spool.pending(limit=256):
            results = await self._dispatch_batch(batch)
            self.metrics.spool_depth.set(self._spool.depth())
            if not all(results):
                return False
        return True

    async def _dispatch_batch(self, batch: list[DetectedFile]) -> list[bool]:
        gate = asyncio.Semaphore(self.concurrency)
        failed = False

        async def one(file: DetectedFile) -> bool:
            nonlocal failed
            async with gate:
                if failed:
                    return False
                await self.in_flight.wait_for_room()
                self.in_flight.started()  # reserved before any await, so the cap holds
                await self.rate.acquire()
                ok = await self.dispatch(file, quiet=failed)
                if not ok:
                    failed = True
                    self.in_flight.release()
                return ok

        return list(await asyncio.gather(*(one(file) for file in batch)))

    async def dispatch(self, file: DetectedFile, *, quiet: bool = False) -> bool:
        try:
            await start_file_workflow(
                self._client,
                workflow_input(file, self._settings),
                task_queue=self._settings.temporal.task_queue,
            )
        except WorkflowAlreadyStartedError:
            self.metrics.dispatched.labels("duplicate").inc()
            log.info(
                "%s already has workflow %s; not started again", file.rel_path, file.workflow_id,
                extra=file_ids(file.workflow_id),
            )  # fmt: skip
        except Exception as exc:  # Temporal or network down: keep it spooled, retry later
            self.last_error = f"dispatch: {exc}"
            self.metrics.errors.labels("dispatch").inc()
            if not quiet:
                log.warning(
                    "could not dispatch %s (%s); %d file(s) stay spooled, retrying with backoff",
                    file.rel_path, exc, self._spool.depth(),
                )  # fmt: skip
            self._spool.mark_failed(file.file_event_id, str(exc))
            return False
        else:
            self.metrics.dispatched.labels("started").inc()
            log.info(
                "dispatched %s as %s", file.rel_path, file.workflow_id,
                extra=file_ids(file.workflow_id),
            )  # fmt: skip
        self.metrics.dispatch_latency.observe(_since(file.detected_at))
        self._spool.mark_dispatched(file.file_event_id)
        return True


def _since(iso: str) -> float:
    try:
        return max(0.0, time.time() - datetime.fromisoformat(iso).astimezone(UTC).timestamp())
    except ValueError:
        return 0.0
