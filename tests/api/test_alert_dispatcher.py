"""AlertDispatcher against a real Temporal dev server and a migrated SQLite DB: deliveries
to one group between two rounds cost one signal, a failed signal leaves the rows in the
outbox for the drain, and stopping signals what is held or leaves it to the drain."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from api.services.alert_dispatcher import AlertDispatcher
from api.services.alerts_ingest import Delivery, store
from sluice.cli.servers import free_port
from store.alert_outbox import OUTBOX, OutboxRow, pending
from store.models import AlertOutbox, utcnow
from tests.e2e.agent_support import eventually
from tests.workflows.alert_groups import alert, publish

ROUTING = """
routes:
  - name: ops
    group_by: [alertname, run]
    group_wait: 1h
    group_interval: 1h
    repeat_interval: 24h
    channels: [hook]
"""
NEVER = 3600.0  # a drain interval no test waits for


@pytest.fixture
def engine(metadata_engine: Engine) -> Engine:
    publish(metadata_engine, ROUTING)
    return metadata_engine


@pytest.fixture
async def unreachable() -> Client:
    """A client of a Temporal that is not there (nothing listens on the port)."""
    return await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)


def deliver(engine: Engine, run: str, *instances: str) -> list[OutboxRow]:
    """Commit one delivery of `instances`' alerts (one group per run); its outbox rows."""
    alerts = [alert("Down", run=run, instance=i) for i in instances]
    delivery = Delivery("prometheus", alerts, {})
    return store(engine, delivery, body=uuid.uuid4().bytes, sender="test", now=utcnow()).outbox


def outbox(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(AlertOutbox)).one()[0])  # type: ignore[call-overload]


async def signals(client: Client, group_id: str) -> int:
    """How many signals the group's workflow has received (its start's included)."""
    handle = client.get_workflow_handle(group_id)
    signalled = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    return sum([e.event_type == signalled async for e in handle.fetch_history_events()])


@pytest.fixture
async def groups(temporal_client: Client) -> AsyncIterator[list[str]]:
    """Group ids a test started; their runs (no worker ever ran them) end with the test."""
    started: list[str] = []
    yield started
    for group_id in started:
        await temporal_client.get_workflow_handle(group_id).terminate("test over")


def dispatcher(client: Client, engine: Engine, task_queue: str, **kw: float) -> AlertDispatcher:
    async def connected() -> Client:
        return client

    options = {"drain_every": NEVER, **kw}
    return AlertDispatcher(
        connected, engine, task_queue=task_queue, drain_every=options["drain_every"],
        capacity=int(options.get("capacity", 10_000)), round_gap=options.get("round_gap", 0.25),
    )  # fmt: skip


async def test_deliveries_between_two_rounds_signal_their_group_once(
    temporal_client: Client, engine: Engine, task_queue: str, groups: list[str]
) -> None:
    run = uuid.uuid4().hex[:8]
    signaller = dispatcher(temporal_client, engine, task_queue)
    signaller.start()
    try:
        deliveries = [deliver(engine, run, f"host-{n}") for n in range(5)]
        group_id = deliveries[0][0].group_id
        groups.append(group_id)
        assert {rows[0].group_id for rows in deliveries} == {group_id}
        for rows in deliveries:  # handed over before the dispatcher's next round
            assert signaller.offer(rows)
        await eventually(lambda: outbox(engine) == 0, 30, "the outbox emptied")
        assert (signaller.rounds, signaller.signalled) == (1, 1)
        assert await signals(temporal_client, group_id) == 1
        assert signaller.offer(deliver(engine, run, "host-9"))  # a later one: signalled again
        await eventually(lambda: outbox(engine) == 0, 30, "the outbox emptied again")
        assert await signals(temporal_client, group_id) == 2
    finally:
        await signaller.stop()


async def test_rows_not_signalled_stay_in_the_outbox_for_the_drain(
    temporal_client: Client,
    unreachable: Client,
    engine: Engine,
    task_queue: str,
    groups: list[str],
) -> None:
    run = uuid.uuid4().hex[:8]
    down = dispatcher(unreachable, engine, task_queue, capacity=1)
    down.start()
    try:
        first = deliver(engine, run, "a", "b")
        assert [len(row.fingerprints) for row in first] == [2]  # one row per group
        assert down.offer(first)
        refused = deliver(engine, run + "-x", "c", "d")
        assert not down.offer(refused)  # over the capacity: left to the drain at once
        await eventually(lambda: down.rounds == 1, 30, "a round against the missing Temporal")
        assert down.signalled == 0 and outbox(engine) == 2
    finally:
        await down.stop()
    groups.extend({row.group_id for row in first + refused})
    back = dispatcher(temporal_client, engine, task_queue, drain_every=0.1)
    back.start()
    try:
        await eventually(lambda: outbox(engine) == 0, 30, "the drain signalled every row")
        assert back.signalled == 2
        for group_id in groups:
            assert await signals(temporal_client, group_id) == 1
    finally:
        await back.stop()


async def test_stop_signals_what_is_held_and_then_refuses(
    temporal_client: Client, engine: Engine, task_queue: str, groups: list[str]
) -> None:
    signaller = dispatcher(temporal_client, engine, task_queue)
    signaller.start()
    rows = deliver(engine, uuid.uuid4().hex[:8], "a")
    groups.append(rows[0].group_id)
    assert signaller.offer(rows)
    await signaller.stop()  # before the dispatcher ran at all
    assert outbox(engine) == 0 and signaller.signalled == 1
    later = deliver(engine, uuid.uuid4().hex[:8], "b")
    assert not signaller.offer(later)  # stopped: the rows wait for a drain
    assert outbox(engine) == 1


async def test_stop_past_its_grace_leaves_the_rows_for_the_drain(
    unreachable: Client, engine: Engine, task_queue: str
) -> None:
    signaller = dispatcher(unreachable, engine, task_queue)
    signaller.start()
    assert signaller.offer(deliver(engine, uuid.uuid4().hex[:8], "a", "b"))
    await signaller.stop(grace=0.01)
    assert outbox(engine) == 1 and signaller.signalled == 0


async def test_deliveries_during_the_round_gap_wait_for_one_round(
    temporal_client: Client, engine: Engine, task_queue: str, groups: list[str]
) -> None:
    run = uuid.uuid4().hex[:8]
    signaller = dispatcher(temporal_client, engine, task_queue, round_gap=NEVER)
    signaller.start()
    first = deliver(engine, run, "a")
    groups.append(first[0].group_id)
    assert signaller.offer(first)  # the first round goes at once
    await eventually(lambda: outbox(engine) == 0, 30, "the first delivery signalled")
    for instance in ("b", "c", "d"):
        assert signaller.offer(deliver(engine, run, instance))
    for _ in range(10):  # the dispatcher wakes, and waits out the gap
        await asyncio.sleep(0)
    assert signaller.rounds == 1 and outbox(engine) == 3  # gathering for the next round
    await signaller.stop()  # which stopping sends at once
    assert outbox(engine) == 0 and signaller.rounds == 2
    assert await signals(temporal_client, first[0].group_id) == 2


def test_outbox_rows_of_the_release_before_are_read_and_its_column_still_written(
    engine: Engine,
) -> None:
    """While replicas roll over migration 0024: the release before wrote a row per alert
    with `fingerprint` alone, and reads `fingerprint` of the rows written now."""
    before = {"id": "before-0024", "group_id": "alert-group-before", "route": "ops",
              "group_labels": {}, "fingerprint": "0123456789abcdef", "routing_version": 1,
              "created_at": utcnow()}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(OUTBOX).values(**before))
    written = deliver(engine, uuid.uuid4().hex[:8], "a", "b")
    with engine.connect() as conn:
        read = {row.id: row.fingerprints for row in pending(conn)}
        column = {
            r.id: r.fingerprint for r in conn.execute(select(OUTBOX.c.id, OUTBOX.c.fingerprint))
        }
    assert read["before-0024"] == ["0123456789abcdef"]
    assert read[written[0].id] == written[0].fingerprints and len(written[0].fingerprints) == 2
    assert column[written[0].id] == written[0].fingerprints[0]
