"""The API's alert writer: deliveries that arrive together are written together.

The two hot receivers (`/api/v1/alerts/alertmanager`, `/api/v2/alerts`) hand their deliveries
here and wait. One thread takes every delivery waiting, up to MAX_DELIVERIES or MAX_BYTES of
bodies, and `alerts_ingest.take_together` authenticates, parses and writes them in one
transaction; each POST is answered after that commit, with its own outcome (a bad token or
body fails alone). A lone delivery is written at once. In a storm, the statements, round
trips and fsync'd commit of one transaction serve many deliveries, and one thread does the
work that many would fight over the GIL for (bench/README.md).

If a transaction fails, its deliveries are written again one by one, so a delivery the
database refuses fails alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.auth import AlertSourceToken
from api.services.alerts_ingest import Item, Parse, Taken, take_together
from store.alert_outbox import OutboxRow
from store.models import utcnow

log = logging.getLogger(__name__)
MAX_DELIVERIES = 16  # per transaction
MAX_BYTES = 8 << 20  # of request bodies per transaction


@dataclass(frozen=True)
class _Waiting:
    item: Item
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[Taken]


class AlertWriter:
    """Writes hot deliveries in a thread of its own (`start`, `stop`); `offer` is called on
    the event loop with the outbox rows of every transaction committed."""

    def __init__(self, engine: Engine, offer: Callable[[Sequence[OutboxRow]], object]) -> None:
        self._engine = engine
        self._offer = offer
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.transactions = 0  # committed (or failed) by the thread

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="alert-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Write what waits, then end the thread."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(thread.join)

    async def take(self, token: AlertSourceToken, body: bytes, parse: Parse) -> Taken:
        """Write one delivery with whatever else waits; its Taken, or its ApiError/Rejected
        raised."""
        if self._thread is None:  # not started (an app run without its lifespan): alone
            outcomes, outbox = await run_in_threadpool(
                take_together, self._engine, [(token, body, parse)], now=utcnow()
            )
            self._offer(outbox)
            return _taken(outcomes[0])
        loop = asyncio.get_running_loop()
        waiting = _Waiting((token, body, parse), loop, loop.create_future())
        self._queue.put(waiting)
        return _taken(await waiting.answer)

    def _run(self) -> None:
        while (batch := self._next()) is not None:
            try:
                self._write(batch)
            except Exception as exc:  # a bug: answer every delivery rather than hang it
                log.exception("the alert writer failed")
                for waiting in batch:
                    _answer(waiting, exc)

    def _next(self) -> list[_Waiting] | None:
        """The deliveries waiting (blocking for the first); None once stopped."""
        first = self._queue.get()
        if first is None:
            return None
        batch, size = [first], len(first.item[1])
        while len(batch) < MAX_DELIVERIES and size < MAX_BYTES:
            try:
                waiting = self._queue.get_nowait()
            except queue.Empty:
                break
            if waiting is None:  # stopping: after this batch
                self._queue.put(None)
                break
            batch.append(waiting)
            size += len(waiting.item[1])
        return batch

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            outcomes, outbox = take_together(
                self._engine, [waiting.item for waiting in batch], now=utcnow()
            )
        except Exception as exc:
            self.transactions += 1
            if len(batch) > 1:  # which one the database refused: each alone
                for waiting in batch:
                    self._write([waiting])
                return
            log.exception("writing an alert delivery failed")
            _answer(batch[0], exc)
            return
        self.transactions += 1
        if outbox:
            _call(batch[0].loop, self._offer, outbox)
        for waiting, outcome in zip(batch, outcomes, strict=True):
            _answer(waiting, outcome)


def _taken(outcome: Taken | Exception) -> Taken:
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _answer(waiting: _Waiting, outcome: object) -> None:
    """Settle the waiting POST's future on its loop (unless it gave up meanwhile)."""

    def settle() -> None:
        if waiting.answer.done():  # the client went away: the delivery stands regardless
            return
        if isinstance(outcome, BaseException):
            waiting.answer.set_exception(outcome)
        else:
            waiting.answer.set_result(outcome)  # type: ignore[arg-type]

    _call(waiting.loop, settle)


def _call(loop: asyncio.AbstractEventLoop, callback: Callable[..., object], *args: object) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(callback, *args)
