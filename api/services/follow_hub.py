"""Shared follows: one agent read per interval for all the files followed on an agent
(`host_read_many`, up to READ_MANY_MAX files a read), each file's new lines fanned out to
all its viewers.

Each viewer has its own cursor (offset, inode) and gets every line once, from where it
started. A file's feed reads from the feed's cursor; the viewers at that cursor get its lines.
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

from sluice.contracts.host_files import READ_FROM, READ_MANY, READ_MANY_MAX

log = logging.getLogger("sluice.api")

# Asks an agent: (agent, activity, arg) → its answer, as JSON. Its exceptions end the
# viewers' streams with an `error` event (`code` and `message` if it has them).
Ask = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]
# The exception for one file's error in a shared read: (error class, message) → exception.
Failure = Callable[[str, str], Exception]
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
    """One followed file: its cursor and its viewers."""

    def __init__(self, polls: AgentPolls, key: Key, offset: int, inode: int) -> None:
        self.agent, self.key = polls, key
        self.offset, self.inode = offset, inode
        self.viewers: set[Viewer] = set()
        self.polls = 0  # shared reads answered for it
        self.catch_ups = 0  # reads of a single viewer getting in step
        self.closed = False

    def arg(self, **at: int) -> dict[str, Any]:
        at = at or {"offset": self.offset, "inode": self.inode}
        return {"root": self.key[1], "rel_path": self.key[2], **at}

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers:
            self.agent.drop(self)

    def deliver(self, start: tuple[int, int], got: dict[str, Any] | Exception) -> list[Viewer]:
        """The shared read from `start` to its viewers; those out of step, to catch up."""
        if isinstance(got, Exception):  # the agent stopped answering: every viewer hears why
            code, message = _described(got)
            for viewer in list(self.viewers):
                viewer.fail(code, message)
            return []
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
        return behind

    async def catch_up(self, viewer: Viewer) -> None:
        """Read for `viewer` up to exactly where the shared read stopped."""
        arg = self.arg(offset=viewer.offset, inode=viewer.inode, until=self.offset)
        try:
            got = await self.agent.hub.ask(self.key[0], READ_FROM, arg)
        except Exception as exc:
            viewer.fail(*_described(exc))
            return
        self.catch_ups += 1
        viewer.take(got)


class AgentPolls:
    """The shared poll of one agent: all its followed files in one read an interval."""

    def __init__(self, hub: FollowHub, agent_id: str) -> None:
        self.hub, self.agent_id = hub, agent_id
        self.feeds: dict[Key, Feed] = {}
        self.polls = 0  # reads of the agent (one per READ_MANY_MAX files)
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    def drop(self, feed: Feed) -> None:
        feed.closed = True
        if self.feeds.get(feed.key) is feed:
            del self.feeds[feed.key]
        if not self.feeds and self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()  # nobody left: stop polling now

    async def run(self) -> None:
        try:
            while self.feeds:
                await asyncio.sleep(self.hub.poll_seconds)
                if self.feeds:
                    await self.poll()
        finally:
            self.closed = True
            self.hub.closed(self)

    async def poll(self) -> None:
        """One shared read of every followed file (per READ_MANY_MAX), fanned out; viewers out
        of step catch up with reads of their own."""
        feeds = list(self.feeds.values())
        parts = [feeds[i : i + READ_MANY_MAX] for i in range(0, len(feeds), READ_MANY_MAX)]
        await asyncio.gather(*(self._poll(part) for part in parts))

    async def _poll(self, feeds: list[Feed]) -> None:
        starts = [(feed.offset, feed.inode) for feed in feeds]
        got: list[dict[str, Any] | Exception]
        try:
            answer = await self.hub.ask(
                self.agent_id, READ_MANY, {"reads": [feed.arg() for feed in feeds]}
            )
            got = [self._answer(one) for one in answer["answers"]]
        except Exception as exc:
            got = [exc] * len(feeds)
        self.polls += 1
        behind = [
            (feed, viewer)
            for feed, start, one in zip(feeds, starts, got, strict=True)
            for viewer in feed.deliver(start, one)
        ]
        await asyncio.gather(*(feed.catch_up(viewer) for feed, viewer in behind))

    def _answer(self, one: dict[str, Any]) -> dict[str, Any] | Exception:
        lines: dict[str, Any] | None = one.get("lines")
        if lines is None:
            return self.hub.failure(one.get("error_class") or "error", one.get("error", ""))
        return lines


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
    """The shared follows of one API process, by agent and followed file."""

    def __init__(
        self,
        ask: Ask,
        failure: Failure,
        poll_seconds: float = 1.0,
        bounds: QueueBounds | None = None,
    ) -> None:
        self.ask, self.failure = ask, failure
        self.poll_seconds = poll_seconds
        self.bounds = bounds or QueueBounds()
        self.agents: dict[str, AgentPolls] = {}
        self.starting: dict[Key, asyncio.Future[dict[str, Any]]] = {}

    def feed(self, key: Key) -> Feed | None:
        polls = self.agents.get(key[0])
        return polls.feeds.get(key) if polls is not None and not polls.closed else None

    async def join(self, key: Key, offset: int, inode: int) -> tuple[Viewer, dict[str, Any]]:
        """A new viewer of the file `key` from `offset` (-1: the end) and its first answer;
        the ask's exception if that first read fails (no viewer then)."""
        feed = self.feed(key)
        first: dict[str, Any]
        if feed is not None and offset < 0:  # from the end: where the poll is now
            first = {"lines": [], "offset": feed.offset, "inode": feed.inode, "reset": False}
        else:
            at = {"root": key[1], "rel_path": key[2], "offset": offset, "inode": inode}
            first = await (self._from_end(key) if offset < 0 else self.ask(key[0], READ_FROM, at))
            feed = self.feed(key)  # one may have started meanwhile
        if feed is None:
            polls = self.agents.get(key[0])
            if polls is None or polls.closed:
                polls = self.agents[key[0]] = AgentPolls(self, key[0])
                polls.task = asyncio.create_task(polls.run(), name=f"follows of {key[0]}")
            feed = polls.feeds[key] = Feed(polls, key, first["offset"], first["inode"])
        viewer = Viewer(feed, first["offset"], first["inode"], self.bounds)
        feed.viewers.add(viewer)
        return viewer, first

    async def _from_end(self, key: Key) -> dict[str, Any]:
        """The end of a file not followed yet: one read for all the viewers arriving at once."""
        pending = self.starting.get(key)
        if pending is None:
            arg = {"root": key[1], "rel_path": key[2], "offset": -1, "inode": 0}
            pending = asyncio.ensure_future(self.ask(key[0], READ_FROM, arg))
            self.starting[key] = pending
            pending.add_done_callback(lambda done: self._started(key, done))
        return dict(await asyncio.shield(pending))

    def _started(self, key: Key, done: asyncio.Future[dict[str, Any]]) -> None:
        if self.starting.get(key) is done:
            del self.starting[key]
        if not done.cancelled():
            done.exception()  # retrieved: each viewer that waited for it has raised it

    def closed(self, polls: AgentPolls) -> None:
        if self.agents.get(polls.agent_id) is polls:
            del self.agents[polls.agent_id]

    async def close(self) -> None:
        """Stop every poll (the API is shutting down)."""
        tasks = [polls.task for polls in self.agents.values() if polls.task is not None]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)
