"""Shared follows: one agent read per followed file (agent, root, rel_path) per interval,
fanned out to all its viewers.

Each viewer has its own cursor (offset, inode) and gets every line once, from where it
started. A feed's poll reads from the feed's cursor; the viewers at that cursor get its lines.
A viewer elsewhere (it started at a tail's offset, or its first read raced the poll) catches up
with a read of its own that stops exactly where the shared read stopped (`ReadFrom.until`),
so from the next interval on it shares the poll. A viewer starting at the end (-1) of a file
already followed takes the feed's cursor and costs no read at all (and viewers arriving at
once at a file not followed yet share its first read).

Viewers read their events from a bounded queue: one that does not keep up gets an `error`
(`too_slow`) and is dropped, so it neither blocks the others nor grows memory. The poll stops
when the last viewer leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("sluice.api")

# Reads new lines: called with {offset, inode[, until]}, answers a `Lines` as JSON. Its
# exceptions end the viewers' streams with an `error` event (`code`, `message` if it has them).
Reader = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
Key = tuple[str, str, str]  # agent, root, rel_path
Event = tuple[str, dict[str, Any]]  # ("lines" | "keepalive" | "error", data)


@dataclass
class QueueBounds:
    items: int = 60  # events waiting for one viewer (about a minute of polls)
    chars: int = 2_000_000  # characters of lines waiting for one viewer


class Viewer:
    """One viewer's place in a feed and the events waiting for it."""

    def __init__(self, feed: Feed, offset: int, inode: int, bounds: QueueBounds) -> None:
        self.feed, self.offset, self.inode, self.bounds = feed, offset, inode, bounds
        self.queue: asyncio.Queue[tuple[Event, int]] = asyncio.Queue()
        self.queued_chars = 0
        self.closed = False

    async def next(self) -> Event:
        event, size = await self.queue.get()
        self.queued_chars -= size
        return event

    def take(self, got: dict[str, Any]) -> None:
        """New lines from this viewer's cursor: queue them and move on."""
        self.offset, self.inode = got["offset"], got["inode"]
        if got["lines"] or got["reset"]:
            data = {k: got[k] for k in ("lines", "offset", "reset")}
            self._put(("lines", data), sum(map(len, got["lines"])))
        else:
            self._put(("keepalive", {}), 0)

    def fail(self, code: str, message: str) -> None:
        self._put(("error", {"code": code, "message": message}), 0, last=True)

    def leave(self) -> None:
        self.closed = True
        self.feed.leave(self)

    def _put(self, event: Event, size: int, last: bool = False) -> None:
        if self.closed:
            return
        full = self.queue.qsize() >= self.bounds.items
        if full or self.queued_chars + size > self.bounds.chars:
            waiting = self.queue.qsize()
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queued_chars = 0
            message = (f"this viewer did not keep up ({waiting} events waiting); follow "
                       "again from the last offset it got")  # fmt: skip
            event, size, last = ("error", {"code": "too_slow", "message": message}), 0, True
        self.queue.put_nowait((event, size))
        self.queued_chars += size
        if last:
            self.leave()


class Feed:
    """The shared poll of one file."""

    def __init__(
        self, hub: FollowHub, key: Key, reader: Reader, offset: int, inode: int
    ) -> None:  # fmt: skip
        self.hub, self.key, self.reader = hub, key, reader
        self.offset, self.inode = offset, inode
        self.viewers: set[Viewer] = set()
        self.polls = 0  # shared reads answered
        self.catch_ups = 0  # reads of a single viewer getting in step
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers and self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()  # nobody left: stop polling now

    async def run(self) -> None:
        try:
            while self.viewers:
                await asyncio.sleep(self.hub.poll_seconds)
                if self.viewers:
                    await self.poll()
        finally:
            self.closed = True
            self.hub.closed(self)

    async def poll(self) -> None:
        """One shared read, fanned out; viewers out of step catch up with reads of their own."""
        start = (self.offset, self.inode)
        try:
            got = await self.reader({"offset": self.offset, "inode": self.inode})
        except Exception as exc:  # the agent stopped answering: every viewer hears why
            code, message = _described(exc)
            for viewer in list(self.viewers):
                viewer.fail(code, message)
            return
        self.polls += 1
        self.offset, self.inode = got["offset"], got["inode"]
        behind = []
        for viewer in list(self.viewers):
            at = (viewer.offset, viewer.inode)
            if at == start:
                viewer.take(got)
            elif at == (self.offset, self.inode) or _ahead(viewer, got):
                viewer.take({**got, "lines": [], "reset": False, "offset": viewer.offset})
            else:
                behind.append(viewer)
        await asyncio.gather(*(self._catch_up(viewer, got["offset"]) for viewer in behind))

    async def _catch_up(self, viewer: Viewer, until: int) -> None:
        try:
            got = await self.reader(
                {"offset": viewer.offset, "inode": viewer.inode, "until": until}
            )
        except Exception as exc:
            viewer.fail(*_described(exc))
            return
        self.catch_ups += 1
        viewer.take(got)


def _ahead(viewer: Viewer, got: dict[str, Any]) -> bool:
    """Started past where the poll got to (its first read came later): the poll will pass it."""
    return viewer.inode == got["inode"] and viewer.offset > got["offset"] and not got["reset"]


def _described(exc: Exception) -> tuple[str, str]:
    code, message = getattr(exc, "code", None), getattr(exc, "message", None)
    if not isinstance(code, str):
        log.warning("follow read failed: %r", exc)
        return "agent_error", str(exc) or type(exc).__name__
    return code, str(message or exc)


class FollowHub:
    """The feeds of one API process, by followed file."""

    def __init__(self, poll_seconds: float = 1.0, bounds: QueueBounds | None = None) -> None:
        self.poll_seconds = poll_seconds
        self.bounds = bounds or QueueBounds()
        self.feeds: dict[Key, Feed] = {}
        self.starting: dict[Key, asyncio.Future[dict[str, Any]]] = {}

    async def join(
        self, key: Key, reader: Reader, offset: int, inode: int
    ) -> tuple[Viewer, dict[str, Any]]:
        """A new viewer from `offset` (-1: the end) and its first answer; the reader's
        exception if that first read fails (no viewer then)."""
        feed = self.feeds.get(key)
        if feed is not None and offset < 0:  # from the end: where the poll is now
            first: dict[str, Any] = {
                "lines": [], "offset": feed.offset, "inode": feed.inode, "reset": False,
            }  # fmt: skip
        else:
            at = {"offset": offset, "inode": inode}
            first = await (self._from_end(key, reader) if offset < 0 else reader(at))
            feed = self.feeds.get(key)  # one may have started meanwhile
        if feed is None or feed.closed:
            feed = Feed(self, key, reader, first["offset"], first["inode"])
            self.feeds[key] = feed
            feed.task = asyncio.create_task(feed.run(), name=f"follow {key}")
        viewer = Viewer(feed, first["offset"], first["inode"], self.bounds)
        feed.viewers.add(viewer)
        return viewer, first

    async def _from_end(self, key: Key, reader: Reader) -> dict[str, Any]:
        """The end of a file not followed yet: one read for all the viewers arriving at once."""
        pending = self.starting.get(key)
        if pending is None:
            pending = asyncio.ensure_future(reader({"offset": -1, "inode": 0}))
            self.starting[key] = pending
            pending.add_done_callback(lambda done: self._started(key, done))
        return dict(await asyncio.shield(pending))

    def _started(self, key: Key, done: asyncio.Future[dict[str, Any]]) -> None:
        if self.starting.get(key) is done:
            del self.starting[key]
        if not done.cancelled():
            done.exception()  # retrieved: each viewer that waited for it has raised it

    def closed(self, feed: Feed) -> None:
        if self.feeds.get(feed.key) is feed:
            del self.feeds[feed.key]

    async def close(self) -> None:
        """Stop every feed (the API is shutting down)."""
        tasks = [feed.task for feed in self.feeds.values() if feed.task is not None]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)
