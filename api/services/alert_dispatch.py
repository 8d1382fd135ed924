"""Telling alert groups about changes: signal-with-start of each group's workflow, from the
outbox rows written with the alerts.

A POST dispatches its own rows after the commit; whatever could not be dispatched (Temporal
down, the API stopped in between) stays in the outbox, and every API replica drains it every
few seconds. Two replicas may signal the same rows: harmless, the group reads its alerts from
the database when it flushes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
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
RPC_TIMEOUT = timedelta(seconds=3)  # a POST waits no longer than this on Temporal
PARALLEL = 20  # groups signalled at once


async def dispatch(
    client: Client, engine: Engine, rows: Sequence[OutboxRow], *, task_queue: str
) -> int:
    """Signal (starting if need be) each group of `rows` once, then delete its rows.

    The number of groups signalled; a group that cannot be reached keeps its rows."""
    groups: dict[str, list[OutboxRow]] = {}
    for row in rows:
        groups.setdefault(row.group_id, []).append(row)
    members = list(groups.values())
    done = 0
    for start in range(0, len(members), PARALLEL):
        chunk = members[start : start + PARALLEL]
        sent = await asyncio.gather(*(_signal(client, m, task_queue) for m in chunk))
        reached = [row.id for ok, group in zip(sent, chunk, strict=True) if ok for row in group]
        await run_in_threadpool(_remove, engine, reached)
        done += sum(sent)
        if not all(sent):  # Temporal is unreachable: the drain retries the rest
            break
    return done


async def _signal(client: Client, members: list[OutboxRow], task_queue: str) -> bool:
    first = members[0]
    fingerprints = sorted({row.fingerprint for row in members})
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


async def drain(client: Client, engine: Engine, *, task_queue: str) -> int:
    """Dispatch what the outbox holds; the number of groups signalled."""
    rows = await run_in_threadpool(_pending, engine)
    return await dispatch(client, engine, rows, task_queue=task_queue) if rows else 0


async def drain_forever(
    client: Callable[[], Awaitable[Client]], engine: Engine, *, task_queue: str, every: float
) -> None:
    """`drain` every `every` seconds until cancelled (an API replica's background task)."""
    while True:
        await asyncio.sleep(every)
        try:
            await drain(await client(), engine, task_queue=task_queue)
        except Exception:  # the database or Temporal down: try again next time
            log.exception("alert outbox drain failed")


def _pending(engine: Engine) -> list[OutboxRow]:
    with engine.connect() as conn:
        return alert_outbox.pending(conn)


def _remove(engine: Engine, ids: list[str]) -> None:
    with engine.begin() as conn:
        alert_outbox.remove(conn, ids)
