"""Shared follows and the agent's view slots, against a real agent (its host and view workers on
the real Temporal dev server): viewers of one file share one read per interval, each gets
every line once from its own start, a slow viewer is dropped, the poll stops when the viewers
leave, and a flood of host views never takes the upload slots.

The hub tests drive the polls themselves (`Feed.poll`, the hub's own timer set to an hour), so
the reads they count do not depend on timing; the agent's reads are counted from Temporal
(one HostQueryWorkflow, one `host_read_from`, per read)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from activities.s3 import make_s3_client
from api.routes.agent_follow import make_hub
from api.services.follow_hub import AgentPolls, FollowHub, Viewer
from api.services.host_files import FollowLimits
from api.services.host_queries import ask_agent
from sluice.contracts.host_files import LIST_DIR
from sluice.contracts.host_queries import HOST_QUERY_PREFIX
from sluice.settings import Settings
from tests.e2e.agent_support import eventually
from tests.e2e.flow import publish, wait_for_task
from watcher.agent import Agent

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

HOUR = 3600.0


@contextlib.asynccontextmanager
async def agent_running(
    settings: Settings, client: Client, **agent: object
) -> AsyncIterator[Agent]:
    tuned = settings.model_copy(update={"agent": settings.agent.model_copy(update=agent)})
    running = Agent(tuned, client, make_s3_client(tuned.storage))
    task = asyncio.create_task(running.run())
    try:
        yield running
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def root_of(inbox: Path) -> str:
    """The root as the agent reports it: resolved."""
    return str(inbox.resolve())


def write(log: Path, *numbers: int) -> int:
    """Append `line <n>` for each number; the file's size after."""
    with log.open("a") as handle:
        handle.writelines(f"line {n}\n" for n in numbers)
    return log.stat().st_size


def drain(viewer: Viewer) -> list[str]:
    """The lines waiting for the viewer (its queue is filled by the polls, not in between)."""
    lines = []
    while not viewer.queue.empty():
        name, data = viewer.queue.get_nowait()[0]
        assert name in ("lines", "keepalive"), data
        lines += data.get("lines", [])
    return lines


async def agent_reads(client: Client, agent_id: str) -> int:
    prefix = f"{HOST_QUERY_PREFIX}{agent_id}-"
    query = f"WorkflowType = 'HostQueryWorkflow' AND WorkflowId STARTS_WITH '{prefix}'"
    return len([wf async for wf in client.list_workflows(query)])


def polls_of(hub: FollowHub) -> AgentPolls:
    [polls] = hub.agents.values()
    return polls


@pytest.mark.timeout(180)
async def test_viewers_share_one_read_per_interval_each_from_its_own_offset(
    central_worker: None, settings: Settings, temporal_client: Client, inbox: Path
) -> None:
    agent_id, log = settings.agent.id, inbox / "shared.log.part"  # a temp suffix: never shipped
    log.write_text("old\n")
    async with agent_running(settings, temporal_client):
        hub = make_hub(temporal_client, settings, FollowLimits(poll_seconds=HOUR))
        key = (agent_id, root_of(inbox), log.name)

        # Two viewers arriving at once share read 1 (the end); a third, later, takes the poll's
        # cursor without a read.
        (a, first), (b, _) = await asyncio.gather(*(hub.join(key, -1, 0) for _ in "ab"))
        e, _ = await hub.join(key, -1, 0)
        e.leave()
        polls = polls_of(hub)
        feed = polls.feeds[key]
        assert first["lines"] == [] and a.offset == b.offset == feed.offset == len("old\n")

        write(log, 0, 1, 2, 3, 4)
        await polls.poll()  # read 2
        after_9 = write(log, 5, 6, 7, 8, 9)
        await polls.poll()  # read 3
        both = [f"line {n}" for n in range(10)]
        assert drain(a) == drain(b) == both
        await eventually(lambda: _reads_are(temporal_client, agent_id, 3), 30, "3 reads")

        # c starts at a tail's offset behind the poll: its own first read brings it in step.
        after_2 = len("old\n") + len("".join(f"line {n}\n" for n in range(3)))
        c, first_c = await hub.join(key, after_2, log.stat().st_ino)  # read 4
        assert first_c["lines"] == [f"line {n}" for n in range(3, 10)]
        assert (c.offset, feed.offset) == (after_9, after_9)

        # d's first read ends past the poll's cursor (written since), and more comes after:
        # it catches up to exactly where the next shared read ends, then shares it.
        write(log, 10, 11)
        d, first_d = await hub.join(key, len("old\nline 0\n"), 0)  # read 5
        assert first_d["lines"] == [f"line {n}" for n in range(1, 12)]
        write(log, 12, 13)
        await polls.poll()  # read 6, and d's catch-up: read 7
        assert (feed.polls, feed.catch_ups) == (3, 1)
        write(log, 14)
        await polls.poll()  # read 8, for all four
        assert (feed.polls, feed.catch_ups) == (4, 1)

        assert drain(a) == drain(b) == drain(c) == [f"line {n}" for n in range(10, 15)]
        assert first_d["lines"] + drain(d) == [f"line {n}" for n in range(1, 15)]
        await eventually(lambda: _reads_are(temporal_client, agent_id, 8), 30, "8 reads")

        for viewer in (a, b, c, d):
            viewer.leave()
        assert polls.task is not None
        await asyncio.gather(polls.task, return_exceptions=True)
        assert hub.agents == {} and feed.closed and polls.closed


async def _reads_are(client: Client, agent_id: str, count: int) -> bool:
    reads = await agent_reads(client, agent_id)
    assert reads <= count, f"{reads} agent reads, expected {count}"
    return reads == count


@pytest.mark.timeout(180)
async def test_the_follows_of_several_files_of_an_agent_share_one_read(
    central_worker: None, settings: Settings, temporal_client: Client, inbox: Path
) -> None:
    agent_id, root = settings.agent.id, root_of(inbox)
    logs = [inbox / "one.log.part", inbox / "two.log.part", inbox / "gone.log.part"]
    for log in logs:
        log.write_text("")
    async with agent_running(settings, temporal_client):
        hub = make_hub(temporal_client, settings, FollowLimits(poll_seconds=HOUR))
        joined = [await hub.join((agent_id, root, log.name), -1, 0) for log in logs]  # 3 reads
        one, two, gone = (viewer for viewer, _ in joined)
        polls = polls_of(hub)
        for n in range(3):
            write(logs[0], n)
            write(logs[1], 10 + n)
            await polls.poll()  # one read of all three files
        logs[2].unlink()
        await polls.poll()  # and one more: the file that is gone fails alone
        assert drain(one) == [f"line {n}" for n in range(3)]
        assert drain(two) == [f"line {n}" for n in range(10, 13)]
        for _ in range(3):
            gone.queue.get_nowait()  # keepalives
        (name, data), _ = gone.queue.get_nowait()
        assert (name, data["code"]) == ("error", "not_found") and gone.closed
        assert polls.polls == 4 and set(polls.feeds) == {
            (agent_id, root, "one.log.part"),
            (agent_id, root, "two.log.part"),
        }
        await eventually(lambda: _reads_are(temporal_client, agent_id, 3 + 4), 30, "7 reads")
        one.leave()
        two.leave()


@pytest.mark.timeout(180)
async def test_a_slow_viewer_is_dropped_and_the_poll_stops_with_the_last_viewer(
    central_worker: None, settings: Settings, temporal_client: Client, inbox: Path
) -> None:
    agent_id, log = settings.agent.id, inbox / "busy.log.part"
    log.write_text("")
    async with agent_running(settings, temporal_client):
        hub = make_hub(temporal_client, settings, FollowLimits(poll_seconds=HOUR, viewer_events=3))
        key = (agent_id, root_of(inbox), log.name)
        slow, _ = await hub.join(key, -1, 0)
        reading, _ = await hub.join(key, -1, 0)
        polls = polls_of(hub)
        feed = polls.feeds[key]
        got = []
        for n in range(5):
            write(log, n)
            await polls.poll()
            got += drain(reading)  # this one keeps up; `slow` never reads
        assert got == [f"line {n}" for n in range(5)]
        assert feed.viewers == {reading} and slow.closed
        (name, data), _ = slow.queue.get_nowait()  # only the error: its lines were dropped
        assert (name, data["code"], slow.queue.empty()) == ("error", "too_slow", True)

        reading.leave()  # the last viewer: the poll stops at once
        assert polls.task is not None
        await asyncio.gather(polls.task, return_exceptions=True)
        assert hub.agents == {} and feed.closed

        # With its own timer: the agent is polled while a viewer is there, not once it left.
        timed = make_hub(temporal_client, settings, FollowLimits(poll_seconds=0.05))
        viewer, _ = await timed.join(key, -1, 0)
        running = polls_of(timed)
        await eventually(lambda: running.polls >= 2, 30, "two polls of its own")
        viewer.leave()
        assert running.task is not None
        await asyncio.gather(running.task, return_exceptions=True)
        assert timed.agents == {} and running.closed


@pytest.mark.timeout(180)
async def test_a_flood_of_host_views_leaves_the_upload_slots_free(
    central_worker: None,
    database: str,
    settings: Settings,
    temporal_client: Client,
    inbox: Path,
    api: httpx.AsyncClient,
) -> None:
    publish(
        database,
        {"name": "logs", "match": {"suffixes": [".log"]},
         "pipeline": [{"upload": {"key": "{agent}/{relpath}"}}]},
    )  # fmt: skip
    agent_id, root = settings.agent.id, root_of(inbox)
    async with agent_running(
        settings, temporal_client, view_activities=1, max_activities=1
    ) as agent:
        await eventually(lambda: agent.view_worker.slots is not None, 30, "view worker")
        slots = agent.view_worker.slots
        assert slots is not None and slots.limit == 1
        # Stand-in for a long host view: every real one is bounded to seconds, so the test
        # holds the view worker's only running place itself (what a busy view would do).
        assert slots._take("running")

        def look() -> asyncio.Task[dict[str, Any]]:
            arg = {"root": root, "rel_path": ""}
            return asyncio.create_task(ask_agent(
                temporal_client, settings.temporal.task_queue, agent_id, LIST_DIR, arg,
                pickup_s=120, answer_s=120,
            ))  # fmt: skip

        flood = [look() for _ in range(10)]
        (inbox / "shipped.log").write_text("uploaded while every view slot is busy\n")
        await wait_for_task(api, "shipped.log")
        assert not any(task.done() for task in flood)  # all ten still wait for the view slot

        with slots._lock:
            slots.running -= 1
        slots._wake()
        answers = await asyncio.gather(*flood)
        assert all(any(e["name"] == "shipped.log" for e in a["entries"]) for a in answers)
