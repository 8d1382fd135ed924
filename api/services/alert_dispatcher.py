"""The API's background signaller of alert groups: a POST hands it the outbox rows it has
committed and answers at once; one task signals each group once per round, and drains the
outbox every few seconds.

A round takes every row handed over since the last one, so a storm of deliveries to one
group costs one signal per round rather than one per delivery. Rows are only deleted once
their group is signalled: whatever is not (Temporal down, the process stopped, this
dispatcher full) stays in the outbox for the drain of any replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import Engine
from temporalio.client import Client

from api.services.alert_dispatch import dispatch, pending
from store.alert_outbox import PAGE, OutboxRow

log = logging.getLogger(__name__)
CAPACITY = 10_000  # rows held in memory; past it, POSTs leave theirs to the drain
SHUTDOWN_GRACE = 5.0  # seconds to signal what is held when the API stops
# A round starts at least this long after the previous one started: a lone delivery is
# signalled at once, a storm's deliveries gather for a moment (groups wait seconds anyway).
ROUND_GAP = 1.0


class AlertDispatcher:
    """Signals the groups of committed outbox rows in the background (`start`, `stop`)."""

    def __init__(
        self,
        client: Callable[[], Awaitable[Client]],
        engine: Engine,
        *,
        task_queue: str,
        drain_every: float,
        capacity: int = CAPACITY,
        round_gap: float = ROUND_GAP,
    ) -> None:
        self._client = client
        self._engine = engine
        self._task_queue = task_queue
        self._drain_every = drain_every
        self._capacity = capacity
        self._round_gap = round_gap
        self._held: dict[str, OutboxRow] = {}  # by row id
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.rounds = 0  # signalling rounds run
        self.signalled = 0  # group signals sent

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and not self._closing

    def offer(self, rows: Sequence[OutboxRow]) -> bool:
        """Take committed `rows` to signal their groups soon; never blocks. False when not
        running or full: the rows then wait in the outbox for the drain."""
        if not self.running or len(self._held) + len(rows) > self._capacity:
            return False
        self._held.update((row.id, row) for row in rows)
        self._wake.set()
        return True

    def start(self) -> None:
        self._closing = False
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="alert-dispatcher")

    async def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Signal what is held, for at most `grace` seconds; what is left is the drain's."""
        if self._task is None:
            return
        self._closing = True
        self._wake.set()
        self._stopping.set()
        try:
            await asyncio.wait_for(self._task, grace)  # cancelled past the grace
        except (TimeoutError, asyncio.CancelledError):
            pass
        except Exception:  # a bug, not an outage: the rows are still in the outbox
            log.exception("the alert dispatcher failed")
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        drain_at = loop.time() + self._drain_every
        last_round = -self._round_gap
        while True:
            if not self._held and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(drain_at - loop.time(), 0))
            gap = last_round + self._round_gap - loop.time()
            if gap > 0 and not self._closing:  # more deliveries join this round meanwhile
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), gap)
            last_round = loop.time()
            self._wake.clear()
            rows, self._held = self._held, {}
            if self._closing:
                if rows:
                    await self._round(rows)
                return
            stored: list[OutboxRow] | None = None
            if loop.time() >= drain_at:
                stored = await self._stored()
                rows.update((row.id, row) for row in stored if row.id not in rows)
            all_sent = await self._round(rows) if rows else True
            if stored is not None:  # a full page all signalled: more may wait, at once
                again = len(stored) >= PAGE and all_sent
                drain_at = loop.time() + (0 if again else self._drain_every)

    async def _stored(self) -> list[OutboxRow]:
        try:
            return await pending(self._engine)
        except Exception:  # the database down: next time
            log.exception("reading the alert outbox failed")
            return []

    async def _round(self, rows: dict[str, OutboxRow]) -> bool:
        """Signal the groups of `rows`; whether every one was reached."""
        self.rounds += 1
        groups = len({row.group_id for row in rows.values()})
        try:
            client = await self._client()
            sent = await dispatch(client, self._engine, list(rows.values()),
                                  task_queue=self._task_queue)  # fmt: skip
        except Exception:  # the database down: the rows stay in the outbox
            log.exception("signalling alert groups failed; the outbox keeps the rows")
            return False
        self.signalled += sent
        return sent == groups
