"""Tickets' deadlines on durable timers (TicketWorkflow against its real activities, the
time-skipping test server's clock): a breach is recorded once and told through the
escalation policy (its steps: test_ticket_escalation.py); acking stops the response timer,
resolving ends the run, reopening starts the deadlines again, and a worker restart in
between loses nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from api.services import ticket_timers
from api.services import tickets as service
from sluice.contracts.tickets import TicketResult, ticket_workflow_id
from sluice.settings import TicketSettings
from sluice.settings.tickets import TicketDeadline
from sluice.tickets import Action
from store.models import Ticket, TicketEvent
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, hook_channels, publish

ROUTING = """
routes:
  - name: db
    matchers: ['service="db"']
    channels: [db-hook]
escalation_policies:
  - name: tickets-oncall
    steps:
      - channels: [page-hook]
        people: [alice]
"""
POLICY = TicketSettings(
    deadlines={"P2": TicketDeadline(respond=600, resolve=3600)},
    escalation_policy="tickets-oncall",
)


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment, metadata_engine: Engine, webhook_peer: WebhookPeer
) -> AsyncIterator[GroupRig]:
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "db-hook", "page-hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer, tickets=POLICY)


async def open_ticket(rig: GroupRig) -> int:
    with Session(rig.engine) as session:
        row = service.create_ticket(
            session, title="replication lag", description="", priority="P2", assignee="",
            group_id=None, actor="olga", policy=POLICY,
        )  # fmt: skip
        assert row.id is not None
        await tell(rig, row)
        return row.id


async def move(rig: GroupRig, number: int, action: Action) -> None:
    with Session(rig.engine) as session:
        row = session.get(Ticket, number)
        assert row is not None
        row = service.change_status(session, ticket=row, action=action, actor="olga",
                                    policy=POLICY)  # fmt: skip
        await tell(rig, row)


async def tell(rig: GroupRig, row: Ticket) -> None:
    assert row.id is not None
    told = await ticket_timers.tell(
        rig.client, rig.engine, [(row.id, row.updated_at)], task_queue=rig.task_queue
    )
    assert told == 1


def breaches(rig: GroupRig, number: int) -> list[dict[str, Any]]:
    with Session(rig.engine) as session:
        query = select(TicketEvent).where(
            TicketEvent.ticket_id == number, TicketEvent.kind == "deadline_breached"
        )
        return [event.detail for event in session.exec(query)]


def escalated(rig: GroupRig, number: int) -> list[dict[str, Any]]:
    with Session(rig.engine) as session:
        query = select(TicketEvent).where(
            TicketEvent.ticket_id == number, TicketEvent.kind == "escalated"
        )
        return [event.detail for event in session.exec(query)]


def pages(rig: GroupRig) -> list[dict[str, Any]]:
    return [m for m in rig.messages() if m["event"] == "ticket_deadline"]


def pending(rig: GroupRig, number: int) -> bool:
    with Session(rig.engine) as session:
        row = session.get(Ticket, number)
        assert row is not None
        return row.timer_pending


async def result(rig: GroupRig, number: int) -> TicketResult:
    handle = rig.client.get_workflow_handle(ticket_workflow_id(number), result_type=TicketResult)
    return await handle.result()


async def test_both_deadlines_breach_once_each_and_page_the_policy(rig: GroupRig) -> None:
    async with rig.worker():
        number = await open_ticket(rig)
        assert not pending(rig, number)  # told: the outbox flag is cleared
        await rig.env.sleep(590)
        assert breaches(rig, number) == []
        await rig.env.sleep(20)
        [response] = breaches(rig, number)
        assert response["deadline"] == "response"
        assert response["policy"] == "tickets-oncall"
        [step] = escalated(rig, number)
        assert (step["deadline"], step["step"], step["round"]) == ("response", 1, 0)
        assert step["channels"] == ["page-hook"] and step["people"] == ["alice"]
        [page] = pages(rig)
        assert page["title"] == "[Sluice] T-1 missed its response deadline: replication lag"
        assert page["facts"]["ticket"]["priority"] == "P2"
        await rig.env.sleep(3000)
        assert [b["deadline"] for b in breaches(rig, number)] == ["response", "resolution"]
        assert len(pages(rig)) == 2
        await move(rig, number, "resolve")
        assert (await result(rig, number)).breaches == 2
        assert len(escalated(rig, number)) == 2


async def test_acking_stops_the_response_timer_only(rig: GroupRig) -> None:
    async with rig.worker():
        number = await open_ticket(rig)
        await rig.env.sleep(60)
        await move(rig, number, "ack")
        await rig.env.sleep(1200)
        assert breaches(rig, number) == [] and pages(rig) == []
        await rig.env.sleep(2400)
        assert [b["deadline"] for b in breaches(rig, number)] == ["resolution"]


async def test_resolving_ends_the_run_and_reopening_starts_fresh_deadlines(
    rig: GroupRig,
) -> None:
    async with rig.worker():
        number = await open_ticket(rig)
        await rig.env.sleep(700)
        assert len(breaches(rig, number)) == 1
        await move(rig, number, "resolve")
        assert (await result(rig, number)).breaches == 1
        await move(rig, number, "reopen")  # a new run: a response is owed again
        await rig.env.sleep(700)
        assert [b["deadline"] for b in breaches(rig, number)] == ["response", "response"]
        await move(rig, number, "close")
        assert (await result(rig, number)).breaches == 1


async def test_the_timers_survive_a_worker_restart(rig: GroupRig) -> None:
    async with rig.worker(cache=False):
        number = await open_ticket(rig)
        await rig.env.sleep(60)
    await rig.env.sleep(300)  # no worker at all for a while
    async with rig.worker(cache=False):
        await rig.env.sleep(300)
        assert [b["deadline"] for b in breaches(rig, number)] == ["response"]
        assert len(pages(rig)) == 1


async def test_a_change_temporal_missed_is_told_by_the_drain(rig: GroupRig) -> None:
    with Session(rig.engine) as session:
        row = service.create_ticket(
            session, title="made while Temporal was down", description="", priority="P2",
            assignee="", group_id=None, actor="olga", policy=POLICY,
        )  # fmt: skip
        number = row.id
        assert number is not None
    assert pending(rig, number)  # nobody told its workflow yet
    async with rig.worker():
        assert await ticket_timers.drain(rig.client, rig.engine, task_queue=rig.task_queue) == 1
        assert not pending(rig, number)
        await rig.env.sleep(610)
        assert [b["deadline"] for b in breaches(rig, number)] == ["response"]
