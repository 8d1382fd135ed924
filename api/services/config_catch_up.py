"""Catch-up: a rollout whose sidecar was down starts again when the sidecar reports.

A rollout's apply step waits `config_sync.agent_wait` (10 min) for the target's sidecar; a
sidecar down longer misses it, and the rollout fails as `config_agent_absent`. When that
sidecar reports again with its live files behind the desired ones, the rollout of the desired
files starts again (same workflow id), provided:

- a rollout of those files was started before (a target with nothing rolled out waits for a
  publish);
- it is not running now, and its last run failed because no sidecar took the step, or its
  history is gone (Temporal's retention). A rollout the target refused, that completed, or that
  was cancelled or terminated by hand is left alone: only a new publish or `:rollout` retries
  it, so a version the target rejects never loops;
- this API process has not tried for the target within `config_sync.catch_up_interval`, so
  repeated reports never make a storm of Temporal calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.services.config_rollouts import RolloutStart, record, start_rollouts
from sluice.contracts.config_sync import AGENT_ABSENT, RolloutInput, rollout_id
from sluice.settings import Settings

log = logging.getLogger(__name__)


class CatchUpLimit:
    """At most one catch-up check per target every `interval` seconds (0: none at all)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}

    def due(self, target: str) -> bool:
        if self.interval <= 0:
            return False
        now = time.monotonic()
        last = self._last.get(target)
        if last is not None and now - last < self.interval:
            return False
        self._last[target] = now
        return True


def limit_of(state: Any, settings: Settings) -> CatchUpLimit:
    """The app's limiter (one per API process), made on first use."""
    limit = getattr(state, "config_catch_up", None)
    if not isinstance(limit, CatchUpLimit):
        limit = CatchUpLimit(settings.config_sync.catch_up_interval)
        state.config_catch_up = limit
    return limit


async def missed(temporal: Client, rollout: RolloutInput, within: float) -> bool:
    """Whether the sidecar missed `rollout`: its workflow is gone, or its last run failed
    because no sidecar took the apply step."""
    handle = temporal.get_workflow_handle(rollout_id(rollout.target, rollout.digest))
    timeout = timedelta(seconds=within)
    try:
        described = await handle.describe(rpc_timeout=timeout)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return True
        raise
    if described.status != WorkflowExecutionStatus.FAILED:
        return False
    try:
        await handle.result(rpc_timeout=timeout)
    except WorkflowFailureError as exc:
        cause = exc.cause
        return isinstance(cause, ApplicationError) and cause.type == AGENT_ABSENT
    return False


async def catch_up(
    client: Callable[[], Awaitable[Client]],
    engine: Engine,
    rollout: RolloutInput,
    *,
    task_queue: str,
    within: float,
    agent_wait: float,
) -> list[RolloutStart]:
    """Start `rollout` again if its sidecar missed it; what was started (maybe nothing).
    Failures are logged, never raised: the sidecar's report is taken all the same."""
    try:
        temporal = await client()
        if not await missed(temporal, rollout, within):
            return []
        results = await start_rollouts(
            temporal, [rollout], task_queue=task_queue, within=within, agent_wait=agent_wait
        )
    except Exception as exc:  # Temporal down: the next report after the interval tries again
        log.warning("catch-up of %s not checked: %s: %s", rollout.target, type(exc).__name__, exc)
        return []
    for result in results:
        if result.started:
            log.info(
                "target %s is back behind version %d: rollout %s started again",
                rollout.target, rollout.version, result.workflow_id,
            )  # fmt: skip
    await run_in_threadpool(record, engine, results, True)
    return results
