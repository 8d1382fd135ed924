"""Drain the spool into Temporal: one FileWorkflow per file, started with its deterministic id."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from temporalio.client import Client
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from sluice.contracts import DetectedFile, FileWorkflowInput
from sluice.settings import Settings
from watcher.spool import SpoolStore
from workflows.file_workflow import FileWorkflow

log = logging.getLogger("sluice.dispatch")

AGENT = SearchAttributeKey.for_keyword("SluiceAgent")
HOST = SearchAttributeKey.for_keyword("SluiceHost")
FILE_NAME = SearchAttributeKey.for_keyword("SluiceFileName")
STATUS = SearchAttributeKey.for_keyword("SluiceStatus")


def workflow_input(file: DetectedFile, settings: Settings) -> FileWorkflowInput:
    storage = settings.storage
    return FileWorkflowInput(
        file=file,
        host_queue=settings.agent.host_queue,
        bucket=storage.bucket,
        key_template=storage.key_template,
        part_size=storage.part_size,
        part_concurrency=storage.part_concurrency,
    )


class Dispatcher:
    """Starts workflows for pending spool entries; backs off while Temporal is unreachable."""

    def __init__(self, client: Client, spool: SpoolStore, settings: Settings) -> None:
        self._client = client
        self._spool = spool
        self._settings = settings
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, max_backoff: float = 30.0) -> None:
        backoff = 0.5
        while True:
            ok = await self.drain()
            backoff = 0.5 if ok else min(backoff * 2, max_backoff)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=backoff if not ok else 5.0)

    async def drain(self) -> bool:
        """Dispatch everything pending; False if a start failed and should be retried later."""
        while batch := self._spool.pending(limit=100):
            for file in batch:
                if not await self.dispatch(file):
                    return False
        return True

    async def dispatch(self, file: DetectedFile) -> bool:
        try:
            await self._client.start_workflow(
                FileWorkflow.run,
                workflow_input(file, self._settings),
                id=file.workflow_id,
                task_queue=self._settings.temporal.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(AGENT, file.agent_id),
                        SearchAttributePair(HOST, file.host),
                        SearchAttributePair(FILE_NAME, file.name),
                        SearchAttributePair(STATUS, "running"),
                    ]
                ),
            )
        except WorkflowAlreadyStartedError:
            log.info(
                "%s already has workflow %s; not started again", file.rel_path, file.workflow_id
            )
        except Exception as exc:  # Temporal or network down: keep it spooled, retry later
            log.warning("could not dispatch %s (%s); will retry", file.rel_path, exc)
            self._spool.mark_failed(file.file_event_id, str(exc))
            return False
        else:
            log.info("dispatched %s as %s", file.rel_path, file.workflow_id)
        self._spool.mark_dispatched(file.file_event_id)
        return True
