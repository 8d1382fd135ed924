"""Starting ConfigRolloutWorkflow for targets whose desired files changed.

A publish records a pending rollout per target in its transaction, then starts the workflows;
one that cannot start (Temporal down) stays pending and is started again by the next status
report, `POST /config-targets/{target}:rollout`, or the API's periodic watch. The workflow id
is per target and digest, and an id already running is used as is, so a retry never runs one
rollout twice. A rollout its sidecar missed (it was down) starts again when the sidecar
reports: see `config_catch_up`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from sluice.contracts.config_sync import CONFIG_ROLLOUT_WORKFLOW, RolloutInput, rollout_id
from store.models import ConfigRollout, utcnow

log = logging.getLogger(__name__)
MAX_ERROR = 500


@dataclass(frozen=True)
class RolloutStart:
    target: str
    version: int
    digest: str
    workflow_id: str
    started: bool
    error: str = ""


async def start_rollouts(
    temporal: Client,
    targets: Sequence[RolloutInput],
    *,
    task_queue: str,
    within: float = 5.0,
    agent_wait: float | None = None,
) -> list[RolloutStart]:
    """Start (or find running) each target's rollout workflow; what happened to each.
    `agent_wait`: how long its apply step waits for the sidecar (config_sync.agent_wait)."""
    if agent_wait is not None:
        targets = [dataclasses.replace(t, agent_wait=agent_wait) for t in targets]
    return list(await asyncio.gather(*(_start(temporal, t, task_queue, within) for t in targets)))


async def _start(temporal: Client, target: RolloutInput, queue: str, within: float) -> RolloutStart:
    workflow_id = rollout_id(target.target, target.digest)
    try:
        await asyncio.wait_for(
            temporal.start_workflow(
                CONFIG_ROLLOUT_WORKFLOW,
                target,
                id=workflow_id,
                task_queue=queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                rpc_timeout=timedelta(seconds=within),
            ),
            within,
        )
    except Exception as exc:  # Temporal down or refusing: the rollout stays pending
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        log.warning("rollout %s not started: %s", workflow_id, error)
        return RolloutStart(target.target, target.version, target.digest, workflow_id, False, error)
    return RolloutStart(target.target, target.version, target.digest, workflow_id, True)


async def roll_out(
    client: Callable[[], Awaitable[Client]],
    engine: Engine,
    targets: Sequence[RolloutInput],
    *,
    task_queue: str,
    within: float,
    agent_wait: float | None = None,
    new_row: bool = False,
) -> list[RolloutStart]:
    """`start_rollouts`, then each recorded rollout row marked started or given its error;
    `new_row`: a rollout asked for by hand, recorded as a row of its own."""
    if not targets:
        return []
    try:
        temporal = await client()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        results = [
            RolloutStart(
                t.target, t.version, t.digest, rollout_id(t.target, t.digest), False, error
            )
            for t in targets
        ]
    else:
        results = await start_rollouts(
            temporal, targets, task_queue=task_queue, within=within, agent_wait=agent_wait
        )
    await run_in_threadpool(record, engine, results, new_row)
    return results


def pending(session: Session, *, target: str | None = None) -> list[RolloutInput]:
    """Rollouts recorded but not started whose digest is still their target's desired one."""
    from store.models import ConfigTarget

    query = (
        select(ConfigRollout, ConfigTarget)
        .join(ConfigTarget, col(ConfigTarget.name) == col(ConfigRollout.target))
        .where(col(ConfigRollout.started_at).is_(None))
        .where(col(ConfigRollout.digest) == col(ConfigTarget.desired_digest))
    )
    if target is not None:
        query = query.where(ConfigRollout.target == target)
    seen: dict[str, RolloutInput] = {}
    for row, _target in session.exec(query):
        seen[row.target] = RolloutInput(row.target, row.version, row.digest)
    return list(seen.values())


def last_started(session: Session, *, target: str, digest: str) -> RolloutInput | None:
    """The newest rollout of `digest` to `target` that was started, if any."""
    query = (
        select(ConfigRollout)
        .where(ConfigRollout.target == target, ConfigRollout.digest == digest)
        .where(col(ConfigRollout.started_at).is_not(None))
        .order_by(col(ConfigRollout.id).desc())
    )
    row = session.exec(query).first()
    return None if row is None else RolloutInput(row.target, row.version, row.digest)


def list_rollouts(session: Session, *, target: str, limit: int = 50) -> list[ConfigRollout]:
    query = (
        select(ConfigRollout)
        .where(ConfigRollout.target == target)
        .order_by(col(ConfigRollout.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def record(engine: Engine, results: Sequence[RolloutStart], new_row: bool) -> None:
    """Mark the rows recorded for these rollouts started (or why not). With `new_row` (a
    rollout by hand, a catch-up), one with no such row gets one; without, none is added: a
    pending row that another path (a report, the watch) started meanwhile is left as is."""
    now = utcnow()
    with Session(engine) as session:
        for result in results:
            query = select(ConfigRollout).where(
                ConfigRollout.target == result.target,
                ConfigRollout.digest == result.digest,
                col(ConfigRollout.started_at).is_(None),
            )
            rows = list(session.exec(query))
            if not rows and not new_row:
                continue
            if not rows:  # a retry of one started already, or a manual rollout
                rows = [
                    ConfigRollout(
                        target=result.target,
                        version=result.version,
                        digest=result.digest,
                        workflow_id=result.workflow_id,
                    )
                ]
            for row in rows:
                row.started_at = now if result.started else None
                row.error = result.error
                session.add(row)
        session.commit()
