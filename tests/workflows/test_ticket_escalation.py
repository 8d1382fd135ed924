"""A breached ticket deadline walks its escalation policy on durable timers (TicketWorkflow
against its real activities, the time-skipping test server's clock, webhook channels on a
loopback peer): each step after its wait, inside its window, for the policy's rounds, until
the breach is answered; every step recorded once on the ticket's timeline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.notify import NotifyActivities
from activities.notify.store import ChannelStore
from activities.tickets import TicketActivities
from api.services import tickets as service
from sluice.contracts.tickets import RESPONSE, StepRequest, ticket_workflow_id
from sluice.secretbox import SecretBox
from sluice.settings import NotificationSettings, TicketSettings
from sluice.settings.tickets import TicketDeadline
from store.models import Ticket, TicketEvent
from tests.activities.test_notify import KEY
from tests.e2e.flow import keep_history
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, hook_channels, publish
from tests.workflows.test_ticket_timers import breaches, move, result, tell

ROUTING = """
escalation_policies:
  - name: tickets-ladder
    repeat: 1
    steps:
      - wait: 1m
        channels: [page-hook]
        people: [alice]
      - wait: 5m
        channels: [boss-hook]
        people: [bob]
"""
POLICY = TicketSettings(
    deadlines={"P2": TicketDeadline(respond=600, resolve=3600)},
    escalation_policy="tickets-ladder",
)


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment, metadata_engine: Engine, webhook_peer: WebhookPeer
) -> AsyncIterator[GroupRig]:
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "page-hook", "boss-hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer, tickets=POLICY)


def pages(rig: GroupRig) -> list[tuple[str, int, int, list[str]]]:
    """(deadline, step, round, people) of each ticket message the peer received, in order."""
    return [
        (m["facts"]["ticket"]["deadline"], m["facts"]["escalation"]["step"],
         m["facts"]["escalation"]["round"], m["facts"]["escalation"]["people"])
        for m in rig.messages() if m["event"] == "ticket_deadline"
    ]  # fmt: skip


def steps(engine: Engine, number: int) -> list[dict[str, Any]]:
    with Session(engine) as session:
        query = (
            select(TicketEvent)
            .where(TicketEvent.ticket_id == number, TicketEvent.kind == "escalated")
            .order_by(col(TicketEvent.id))
        )
        return [event.detail for event in session.exec(query)]


async def open_ticket(rig: GroupRig, *, tell_workflow: bool = True) -> int:
    with Session(rig.engine) as session:
        row = service.create_ticket(
            session, title="replication lag", description="", priority="P2", assignee="",
            group_id=None, actor="olga", policy=rig.tickets,
        )  # fmt: skip
        assert row.id is not None
        if tell_workflow:
            await tell(rig, row)
        return row.id


async def sleeping(rig: GroupRig, number: int) -> None:
    """Wait until the run sleeps on its next timer: a worker stopped with a task in flight
    would hold the test server's clock."""
    handle = rig.client.get_workflow_handle(ticket_workflow_id(number))
    async with asyncio.timeout(10):
        while True:
            events = [e async for e in handle.fetch_history_events()]
            if events[-1].HasField("timer_started_event_attributes"):
                return
            await asyncio.sleep(0.05)


ALICE = ["alice"]
BOB = ["bob"]


async def test_the_steps_run_in_order_and_stop_once_acknowledged(rig: GroupRig) -> None:
    async with rig.worker():
        number = await open_ticket(rig)
        await rig.env.sleep(610)
        assert [b["deadline"] for b in breaches(rig, number)] == ["response"]
        assert pages(rig) == []  # the first step waits its minute
        await rig.env.sleep(60)
        assert pages(rig) == [("response", 1, 0, ALICE)]
        await rig.env.sleep(300)
        assert pages(rig)[1:] == [("response", 2, 0, BOB)]
        await rig.env.sleep(60)  # round 1 starts again from the first step
        assert pages(rig)[2:] == [("response", 1, 1, ALICE)]
        await move(rig, number, "ack")
        await rig.env.sleep(1200)  # step 2 of round 1 was due at 1320 s
        assert len(pages(rig)) == 3
        recorded = steps(rig.engine, number)
        assert [(s["step"], s["round"]) for s in recorded] == [(1, 0), (2, 0), (1, 1)]
        assert [s["channels"] for s in recorded] == [["page-hook"], ["boss-hook"], ["page-hook"]]
        assert all(s["failed"] == [] and s["policy"] == "tickets-ladder" for s in recorded)
        await move(rig, number, "resolve")
        assert (await result(rig, number)).breaches == 1
        await keep_history(rig.client, ticket_workflow_id(number), "ticket_escalation_steps")


async def test_the_rounds_run_out_and_resolving_stops_the_resolution_breach(
    rig: GroupRig,
) -> None:
    async with rig.worker():
        number = await open_ticket(rig)
        await rig.env.sleep(3500)  # 600 + 60 + 300 + 60 + 300: both rounds, then nothing
        assert pages(rig) == [
            ("response", 1, 0, ALICE), ("response", 2, 0, BOB),
            ("response", 1, 1, ALICE), ("response", 2, 1, BOB),
        ]  # fmt: skip
        await rig.env.sleep(200)  # the resolution deadline (3600 s) breaches: a new walk
        assert pages(rig)[4:] == [("resolution", 1, 0, ALICE)]
        await move(rig, number, "resolve")
        assert (await result(rig, number)).breaches == 2
        await rig.env.sleep(1200)
        assert len(pages(rig)) == 5


async def test_acking_leaves_the_resolution_breach_escalating(rig: GroupRig) -> None:
    async with rig.worker():
        number = await open_ticket(rig)
        await rig.env.sleep(60)
        await move(rig, number, "ack")
        await rig.env.sleep(3600 + 60 + 10)
        assert pages(rig) == [("resolution", 1, 0, ALICE)]
        await move(rig, number, "start")  # still owed: in progress is not resolved
        await rig.env.sleep(250)  # step 2 at 3960 s
        assert pages(rig)[1:] == [("resolution", 2, 0, BOB)]


async def test_the_walk_survives_a_worker_restart(rig: GroupRig) -> None:
    async with rig.worker(cache=False):
        number = await open_ticket(rig)
        await rig.env.sleep(680)
        assert pages(rig) == [("response", 1, 0, ALICE)]
        await sleeping(rig, number)
    await rig.env.sleep(200)  # no worker for a while (the test server holds at a due timer)
    async with rig.worker(cache=False):
        await rig.env.sleep(90)  # step 2 at 960 s, by a worker that replays the history
        assert pages(rig)[1:] == [("response", 2, 0, BOB)]
    assert [(s["step"], s["round"]) for s in steps(rig.engine, number)] == [(1, 0), (2, 0)]


async def test_a_step_waits_for_its_window(
    time_skipping: WorkflowEnvironment, metadata_engine: Engine, webhook_peer: WebhookPeer
) -> None:
    now = await time_skipping.get_current_time()
    opens = (now + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    window = f"{opens:%H:%M}-{opens + timedelta(hours=1):%H:%M}"
    publish(metadata_engine, f"""
escalation_policies:
  - name: office
    steps:
      - channels: [page-hook]
        within: {{windows: ["{window}"], timezone: UTC}}
""")  # fmt: skip
    hook_channels(metadata_engine, webhook_peer, "page-hook")
    policy = TicketSettings(
        deadlines={"P2": TicketDeadline(respond=600, resolve=86400)}, escalation_policy="office"
    )
    rig = GroupRig(time_skipping, metadata_engine, webhook_peer, tickets=policy)
    async with rig.worker():
        number = await open_ticket(rig)
        await rig.env.sleep(700)
        assert len(breaches(rig, number)) == 1 and pages(rig) == []
        await rig.env.sleep((opens - now).total_seconds() - 700 + 90)
        assert pages(rig) == [("response", 1, 0, [])]
        [step] = steps(metadata_engine, number)
        assert (await rig.now()) - opens < timedelta(minutes=2)
        assert step["channels"] == ["page-hook"]


async def test_a_retried_step_is_told_and_recorded_once(rig: GroupRig) -> None:
    number = await open_ticket(rig, tell_workflow=False)  # the activity is run by hand
    channels = ChannelStore(rig.engine, SecretBox.from_text(KEY))
    acts = TicketActivities(
        rig.engine, channels, NotifyActivities(channels, NotificationSettings()), POLICY
    )
    with Session(rig.engine) as session:
        row = session.get(Ticket, number)
        assert row is not None and row.respond_by is not None
        due = row.respond_by
    req = StepRequest(number, RESPONSE, due, 0, 0)
    env = ActivityEnvironment()
    first = await env.run(acts.escalate, req)
    again = await env.run(acts.escalate, req)  # as a retry after a lost completion would
    assert first == again and first.next_step == 1 and first.next_wait == 300
    assert pages(rig) == [("response", 1, 0, ALICE)]
    assert len(steps(rig.engine, number)) == 1
    last = await env.run(acts.escalate, StepRequest(number, RESPONSE, due, 1, 0))
    assert last.next_step == 0 and last.next_round == 1
    with Session(rig.engine) as session:
        row = session.get(Ticket, number)
        assert row is not None
        row.acknowledged_at = due
        session.add(row)
        session.commit()
    assert (await env.run(acts.escalate, StepRequest(number, RESPONSE, due, 0, 1))).stop


async def test_a_channel_that_fails_is_recorded_beside_those_reached(
    time_skipping: WorkflowEnvironment, metadata_engine: Engine, webhook_peer: WebhookPeer
) -> None:
    publish(metadata_engine, """
escalation_policies:
  - name: partly
    steps:
      - channels: [gone-hook, page-hook]
        people: [alice]
""")  # fmt: skip
    hook_channels(metadata_engine, webhook_peer, "page-hook")
    policy = TicketSettings(
        deadlines={"P2": TicketDeadline(respond=600, resolve=3600)}, escalation_policy="partly"
    )
    rig = GroupRig(time_skipping, metadata_engine, webhook_peer, tickets=policy)
    async with rig.worker():
        number = await open_ticket(rig)
        await rig.env.sleep(610)
        assert pages(rig) == [("response", 1, 0, ALICE)]
        [step] = steps(metadata_engine, number)
        assert step["channels"] == ["page-hook"]
        assert step["failed"] == ["channel 'gone-hook' does not exist"]
