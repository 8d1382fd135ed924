"""Telling tickets' timer workflows about changes: signal-with-start of `ticket-<n>` after
the ticket's change commits, from the outbox flag `timer_pending` written with the change.

A request tells its own ticket after the commit; whatever could not be told (Temporal down,
the API stopped in between, a ticket opened by its route in a worker) keeps its flag, and
every API replica drains the flagged tickets every few seconds. A duplicate signal is
harmless: the workflow reads the ticket's timers from the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from sluice.contracts.tickets import (
    TICKET_SIGNAL,
    TICKET_WORKFLOW,
    TicketChanged,
    TicketInput,
    ticket_workflow_id,
)
from store import tickets as store

log = logging.getLogger(__name__)
RPC_TIMEOUT = timedelta(seconds=3)  # a request waits no longer than this on Temporal
PARALLEL = 20


async def tell(
    client: Client, engine: Engine, changes: Sequence[tuple[int, datetime]], *, task_queue: str
) -> int:
    """Signal (starting if need be) each ticket's workflow, then clear the flags of those
    told; the number told. A ticket that cannot be reached keeps its flag."""
    told: list[tuple[int, datetime]] = []
    for start in range(0, len(changes), PARALLEL):
        chunk = changes[start : start + PARALLEL]
        sent = await asyncio.gather(*(_signal(client, n, task_queue) for n, _ in chunk))
        told += [change for ok, change in zip(sent, chunk, strict=True) if ok]
        if not all(sent):  # Temporal is unreachable: the drain retries the rest
            break
    if told:
        await run_in_threadpool(store.timers_told, engine, told)
    return len(told)


async def _signal(client: Client, number: int, task_queue: str) -> bool:
    try:
        await client.start_workflow(
            TICKET_WORKFLOW,
            TicketInput(number),
            id=ticket_workflow_id(number),
            task_queue=task_queue,
            start_signal=TICKET_SIGNAL,
            start_signal_args=[TicketChanged()],
            rpc_timeout=RPC_TIMEOUT,
        )
    except Exception as exc:  # Temporal unreachable or refusing: the flag stays
        log.warning("ticket %s timers not told (%s); the outbox keeps it", number, exc)
        return False
    return True


async def drain(client: Client, engine: Engine, *, task_queue: str) -> int:
    """Tell every flagged ticket; the number told."""
    pending = await run_in_threadpool(store.pending_timers, engine)
    return await tell(client, engine, pending, task_queue=task_queue) if pending else 0


async def drain_forever(
    client: Callable[[], Awaitable[Client]], engine: Engine, *, task_queue: str, every: float
) -> None:
    """`drain` every `every` seconds until cancelled (an API replica's background task)."""
    while True:
        await asyncio.sleep(every)
        try:
            await drain(await client(), engine, task_queue=task_queue)
        except Exception:  # the database or Temporal down: try again next time
            log.exception("ticket timer outbox drain failed")
