"""Telling alert groups about changes: signal-with-start of each group's workflow, from the
outbox rows written with the alerts.

A POST hands its committed rows to the app's `AlertDispatcher` (api.services.alert_dispatcher),
which signals in the background; whatever could not be signalled (Temporal down, the API
stopped in between) stays in the outbox, and every API replica drains it every few seconds.
Two replicas may signal the same rows: harmless, the group reads its alerts from the database
when it flushes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from sluice.contracts.alert_groups import (
    ALERT_GROUP_WORKFLOW,
    ALERTS_SIGNAL,
    AlertGroupInput,
    AlertsChanged,
)
from store import alert_outbox
from store.alert_outbox import OutboxRow

log = logging.getLogger(__name__)
RPC_TIMEOUT = timedelta(seconds=3)  # no signal waits longer than this on Temporal
PARALLEL = 20  # groups signalled at once


async def dispatch(
    client: Client, engine: Engine, rows: Sequence[OutboxRow], *, task_queue: str
) -> int:
    """Signal (starting if need be) each group of `rows` once, then delete the rows of the
    groups reached, in one statement.

    The number of groups signalled. A group that cannot be reached keeps its rows, and so do
    the groups not tried yet once one has failed (Temporal is unreachable: the drain retries)."""
    groups: dict[str, list[OutboxRow]] = {}
    for row in rows:
        groups.setdefault(row.group_id, []).append(row)
    slots = asyncio.Semaphore(PARALLEL)
    failed = False

    async def one(members: list[OutboxRow]) -> bool:
        nonlocal failed
        async with slots:
            if failed:
                return False
            if not await _signal(client, members, task_queue):
                failed = True
                return False
            return True

    members = list(groups.values())
    sent = await asyncio.gather(*(one(m) for m in members))
    reached = [row.id for ok, group in zip(sent, members, strict=True) if ok for row in group]
    if reached:
        await run_in_threadpool(_remove, engine, reached)
    return sum(sent)


async def _signal(client: Client, members: list[OutboxRow], task_queue: str) -> bool:
    first = members[0]
    fingerprints = sorted({fp for row in members for fp in row.fingerprints})
    try:
        await client.start_workflow(
            ALERT_GROUP_WORKFLOW,
            AlertGroupInput(first.group_id, first.route, dict(first.group_labels)),
            id=first.group_id,
            task_queue=task_queue,
            start_signal=ALERTS_SIGNAL,
            start_signal_args=[AlertsChanged(fingerprints)],
            rpc_timeout=RPC_TIMEOUT,
        )
    except Exception as exc:  # Temporal unreachable or refusing: the rows stay
        log.warning("alert group %s not signalled (%s); the outbox keeps it", first.group_id, exc)
        return False
    return True


async def pending(engine: Engine, *, limit: int = alert_outbox.PAGE) -> list[OutboxRow]:
    """The oldest `limit` rows of the outbox, read in a worker thread."""
    return await run_in_threadpool(_pending, engine, limit)


def _pending(engine: Engine, limit: int) -> list[OutboxRow]:
    with engine.connect() as conn:
        return alert_outbox.pending(conn, limit=limit)


def _remove(engine: Engine, ids: list[str]) -> None:
    with engine.begin() as conn:
        alert_outbox.remove(conn, ids)
