"""One change-feed loop per API process, fanned out to the `/events` streams it serves.

The loop starts with the first subscriber and stops with the last; where it was (its
watermark, what it sent) outlives it, so a restart does not replay what went out already.
Each look reads what changed since the previous one (api/services/changes.py: tasks, alert
groups, agents) and offers it
to every subscriber's bounded queue; a subscriber whose queue is full is dropped (its stream
ends, and the browser reconnects with `Last-Event-ID`) rather than buffered without bound.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.services.changes import (
    OVERLAP,
    Change,
    agent_states,
    config_target_states,
    group_changes,
    task_changes,
)
from store.models import utcnow

log = logging.getLogger(__name__)

QUEUE_SIZE = 500
BATCH = 1_000  # more changes of one kind than this in one look: subscribers get one `reset`
RESET = Change("reset", "", "", datetime.min)
Reader = Callable[..., list[Change]]  # (engine, *, after, limit): changes after a moment


@dataclass(eq=False)
class Feed:
    """One table read by `updated_at`: its watermark, and what was sent within the overlap."""

    read: Reader
    watermark: datetime = field(default_factory=lambda: utcnow() - OVERLAP)
    sent: dict[str, datetime] = field(default_factory=dict)  # id → the change last sent

    def news(self, changes: list[Change]) -> list[Change]:
        if len(changes) > BATCH:
            self.watermark, self.sent = changes[-1].at, {}
            return [RESET]
        news = [c for c in changes if self.sent.get(c.id) != c.at]
        self.sent.update((c.id, c.at) for c in news)
        if changes:
            self.watermark = max(self.watermark, changes[-1].at)
        horizon = self.watermark - 2 * OVERLAP
        self.sent = {key: at for key, at in self.sent.items() if at > horizon}
        return news


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[Change] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: asyncio.Event = field(default_factory=asyncio.Event)


class LiveHub:
    """Subscribers of this process and the loop that feeds them."""

    def __init__(self, engine: Engine, *, interval: float = 1.0) -> None:
        self._engine = engine
        self._interval = interval
        self._subscribers: set[Subscriber] = set()
        self._loop: asyncio.Task[None] | None = None
        self._feeds = [Feed(task_changes), Feed(group_changes)]
        self._agents: dict[str, Change] | None = None  # None: not read yet (a baseline)
        self._targets: dict[str, Change] | None = None  # config targets, compared by status

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._run())
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        if not self._subscribers and self._loop is not None:
            self._loop.cancel()
            self._loop = None

    def _publish(self, changes: list[Change]) -> None:
        for subscriber in list(self._subscribers):
            try:
                for change in changes:
                    subscriber.queue.put_nowait(change)
            except asyncio.QueueFull:
                log.info("dropping a live-events subscriber that does not keep up")
                self._subscribers.discard(subscriber)
                subscriber.dropped.set()

    async def _run(self) -> None:
        # Changes made while nobody listened reach clients through their Last-Event-ID replay.
        for feed in self._feeds:
            feed.watermark = max(feed.watermark, utcnow() - OVERLAP)
        while True:
            try:
                read = [
                    await run_in_threadpool(
                        feed.read, self._engine, after=feed.watermark - OVERLAP, limit=BATCH + 1
                    )
                    for feed in self._feeds
                ]
                states = await run_in_threadpool(agent_states, self._engine)
                targets = await run_in_threadpool(config_target_states, self._engine)
            except Exception:  # the database is away for a moment: look again next time
                log.warning("reading live changes failed", exc_info=True)
            else:
                pairs = zip(self._feeds, read, strict=True)
                changes = [c for feed, rows in pairs for c in feed.news(rows)]
                changes += self._agent_news(states) + self._target_news(targets)
                if changes:
                    self._publish(changes)
            await asyncio.sleep(self._interval)

    def _agent_news(self, states: list[Change]) -> list[Change]:
        before, self._agents = self._agents, {state.id: state for state in states}
        return [] if before is None else [s for s in states if before.get(s.id) != s]

    def _target_news(self, states: list[Change]) -> list[Change]:
        """Targets whose state changed; each event later than the one before for the target
        (clients drop a repeat of a target's `at`)."""
        before, news = self._targets, []
        self._targets = {}
        for state in states:
            old = before.get(state.id) if before is not None else None
            if before is not None and (old is None or old.status != state.status):
                if old is not None and state.at <= old.at:
                    state = replace(state, at=utcnow())
                news.append(state)
            elif old is not None:
                state = old  # unchanged: keep the `at` it was sent with
            self._targets[state.id] = state
        return news
