"""The API's alert writer: deliveries that arrive together are written together.

The two hot receivers (`/api/v1/alerts/alertmanager`, `/api/v2/alerts`) hand their deliveries
here, parsed, and wait. One task takes every delivery waiting, up to MAX_DELIVERIES or
MAX_BYTES of bodies, and `alerts_ingest.take_on` authenticates and writes them in one
transaction; each POST is answered after that commit, with its own outcome (a bad token or
body fails alone). A lone delivery is written at once. In a storm, the statements, round
trips and fsync'd commit of one transaction serve many deliveries (bench/README.md).

On PostgreSQL the task writes on the event loop through psycopg's async driver: while the
database works, the loop serves the next requests, with no thread to hand the GIL back and
forth. SQLite's driver only blocks, so there a worker thread writes.

If a transaction fails, its deliveries are written again one by one, so a delivery the
database refuses fails alone. If the database itself fails (unreachable, restarting, a
deadlock: an OperationalError), they all fail at once and their senders retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.alert_auth import AlertSourceToken
from api.errors import ApiError
from api.services.alerts_ingest import (
    Delivery,
    Item,
    Rejected,
    Taken,
    take_on,
    take_together,
)
from store.alert_outbox import OutboxRow
from store.db import make_async_engine
from store.models import utcnow

log = logging.getLogger(__name__)
MAX_DELIVERIES = 16  # per transaction
MAX_BYTES = 8 << 20  # of request bodies per transaction
Outcomes = tuple[list[Taken | ApiError | Rejected], list[OutboxRow]]


@dataclass(frozen=True)
class _Waiting:
    item: Item
    answer: asyncio.Future[Taken]


class AlertWriter:
    """Writes hot deliveries in a task of its own (`start`, `stop`); `offer` is called with
    the outbox rows of every transaction committed."""

    def __init__(self, engine: Engine, offer: Callable[[Sequence[OutboxRow]], object]) -> None:
        self._engine = engine
        self._offer = offer
        self._async: AsyncEngine | None = None
        self._queue: asyncio.Queue[_Waiting | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self.transactions = 0  # committed (or failed)

    def start(self) -> None:
        if self._engine.dialect.name == "postgresql":  # one transaction at a time
            self._async = make_async_engine(self._engine.url, pool_size=1)
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(self._queue), name="alert-writer")

    async def stop(self) -> None:
        """Write what waits, then end the task."""
        task, queue, self._task = self._task, self._queue, None
        if task is not None and queue is not None:
            queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._async is not None:
            await self._async.dispose()
            self._async = None

    async def take(
        self, token: AlertSourceToken, body: bytes, delivery: Delivery | Rejected
    ) -> Taken:
        """Write one delivery (`alerts_ingest.parsed` of its body) with whatever else waits;
        its Taken, or its ApiError/Rejected raised."""
        item = (token, body, delivery)
        if self._task is None or self._queue is None:  # an app run without its lifespan
            outcomes, outbox = await asyncio.to_thread(
                take_together, self._engine, [item], now=utcnow()
            )
            if outbox:
                self._offer(outbox)
            return _taken(outcomes[0])
        waiting = _Waiting(item, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(waiting)
        return _taken(await waiting.answer)

    async def _run(self, queue: asyncio.Queue[_Waiting | None]) -> None:
        while (batch := await _next(queue)) is not None:
            try:
                await self._write(batch)
            except Exception as exc:  # a bug: answer every delivery rather than hang it
                log.exception("the alert writer failed")
                for waiting in batch:
                    _answer(waiting, exc)

    async def _write(self, batch: list[_Waiting]) -> None:
        try:
            outcomes, outbox = await self._together([w.item for w in batch], utcnow())
        except Exception as exc:
            self.transactions += 1
            if len(batch) > 1 and not isinstance(exc, OperationalError):
                for waiting in batch:  # which one did the database refuse? Each alone
                    await self._write([waiting])
                return
            log.exception("writing %d alert deliveries failed", len(batch))
            for waiting in batch:
                _answer(waiting, exc)
            return
        self.transactions += 1
        if outbox:
            self._offer(outbox)
        for waiting, outcome in zip(batch, outcomes, strict=True):
            _answer(waiting, outcome)

    async def _together(self, items: list[Item], now: datetime) -> Outcomes:
        if self._async is None:  # SQLite
            return await asyncio.to_thread(take_together, self._engine, items, now=now)
        async with self._async.begin() as conn:
            return await conn.run_sync(take_on, items, now=now)


async def _next(queue: asyncio.Queue[_Waiting | None]) -> list[_Waiting] | None:
    """The deliveries waiting (waiting for the first); None once stopped."""
    first = await queue.get()
    if first is None:
        return None
    batch, size = [first], len(first.item[1])
    while len(batch) < MAX_DELIVERIES and size < MAX_BYTES and not queue.empty():
        waiting = queue.get_nowait()
        if waiting is None:  # stopping: after this batch
            queue.put_nowait(None)
            break
        batch.append(waiting)
        size += len(waiting.item[1])
    return batch


def _taken(outcome: Taken | Exception) -> Taken:
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _answer(waiting: _Waiting, outcome: object) -> None:
    if waiting.answer.done():  # the client went away: the delivery stands regardless
        return
    if isinstance(outcome, BaseException):
        waiting.answer.set_exception(outcome)
    else:
        waiting.answer.set_result(outcome)  # type: ignore[arg-type]
