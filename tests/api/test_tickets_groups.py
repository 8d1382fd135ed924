"""Tickets and their alert groups: one active ticket per group however many ask at once (on
SQLite and PostgreSQL), and acking or resolving a ticket acks or resolves its group through
the group's real workflow (Temporal's time-skipping test server, the API over ASGI)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.deps import get_temporal
from sluice.settings import Settings, TemporalSettings
from store.db import make_engine
from store.models import AlertGroup, Role, Ticket
from tests.api.tokens import bearer
from tests.e2e.agent_support import eventually
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, alert, hook_channels, publish
from tests.workflows.conftest import time_skipping  # noqa: F401  (the fixture)

CALLERS = 8
ROUTING = """
routes:
  - name: db
    matchers: ['service="db"']
    group_by: [alertname]
    group_wait: 30s
    group_interval: 1m
    repeat_interval: 24h
    channels: [db-hook]
"""


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with Session(make_engine(db_url)) as session:
        session.add(AlertGroup(id="g-race", route="ops", group_labels={"alertname": "Race"}))
        session.commit()
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.operator, "olga")) as test_client:
        yield test_client


def test_concurrent_calls_for_a_group_make_one_ticket(client: TestClient, db_url: str) -> None:
    start = threading.Barrier(CALLERS)

    def call(_: int) -> tuple[int, str]:
        start.wait()
        response = client.post("/api/v1/alert-groups/g-race:ticket", json={})
        return response.status_code, response.json().get("id", response.text)

    with ThreadPoolExecutor(CALLERS) as pool:
        answers = list(pool.map(call, range(CALLERS)))
    assert sorted(status for status, _ in answers) == [200] * (CALLERS - 1) + [201]
    assert len({ticket for _, ticket in answers}) == 1
    with Session(make_engine(db_url)) as session:
        assert len(session.exec(select(Ticket)).all()) == 1


def test_the_database_refuses_a_second_active_ticket_for_a_group(db_url: str) -> None:
    """The guarantee under the race: the unique partial index, not the check before it."""
    with Session(make_engine(db_url)) as session:
        session.add(Ticket(title="one", group_id="g", created_by="t", status="resolved"))
        session.add(Ticket(title="two", group_id="g", created_by="t"))
        session.add(Ticket(title="alone", created_by="t"))
        session.add(Ticket(title="alone too", created_by="t"))
        session.commit()
        session.add(Ticket(title="three", group_id="g", created_by="t", status="in_progress"))
        with pytest.raises(IntegrityError):
            session.commit()


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment,  # noqa: F811
    metadata_engine: Engine,
    webhook_peer: WebhookPeer,
) -> AsyncIterator[GroupRig]:
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "db-hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer)


async def test_acking_and_resolving_the_ticket_acks_and_resolves_its_group(rig: GroupRig) -> None:
    url = rig.engine.url.render_as_string(hide_password=False)
    # the ticket's timer workflow runs on the rig's worker too
    temporal = TemporalSettings(task_queue=rig.task_queue)
    app = create_app(Settings(database_url=url, temporal=temporal))
    app.dependency_overrides[get_temporal] = lambda: rig.client
    headers = bearer(url, Role.operator, "olga")
    transport = httpx.ASGITransport(app=app)
    async with (
        rig.worker(),
        httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers) as api,
    ):
        [group] = await rig.send(alert("Replication", service="db"))
        await rig.env.sleep(31)  # group_wait: the group is notified and listed
        made = await api.post(f"/api/v1/alert-groups/{group}:ticket", json={"priority": "P1"})
        assert made.status_code == 201, made.text
        ticket = made.json()["id"]

        acked = (await api.post(f"/api/v1/tickets/{ticket}:ack")).json()
        assert acked["status"] == "acknowledged"
        assert acked["group_update"] == {
            "update": "ack", "applied": True, "reason": "", "acked_by": "olga", "firing": 1
        }  # fmt: skip
        assert rig.group(group).acked_by == "olga"

        resolved = (await api.post(f"/api/v1/tickets/{ticket}:resolve")).json()
        assert resolved["status"] == "resolved"
        assert resolved["group_update"]["applied"] is True
        await rig.env.sleep(61)
        await eventually(lambda: rig.group(group).status == "resolved", 20, "group resolved")

        # The group's workflow is done: a second resolve is refused there, and said so.
        reopened = await api.post(f"/api/v1/tickets/{ticket}:reopen")
        assert reopened.status_code == 200
        again = (await api.post(f"/api/v1/tickets/{ticket}:resolve")).json()
        assert again["status"] == "resolved"
        assert again["group_update"]["applied"] is False
        assert again["group_update"]["reason"].startswith("refused:")

        timeline = (await api.get(f"/api/v1/tickets/{ticket}")).json()["timeline"]
        sources = {entry["source"] for entry in timeline}
        assert sources == {"alert", "ticket"}
        updates = [e["detail"]["applied"] for e in timeline if e["kind"] == "group_updated"]
        assert updates == [True, True, False]
        times = [entry["at"] for entry in timeline]
        assert times == sorted(times)


def test_of_two_concurrent_moves_from_one_status_one_wins(client: TestClient) -> None:
    ticket = client.post("/api/v1/tickets", json={"title": "race"}).json()["id"]
    start = threading.Barrier(CALLERS)

    def call(index: int) -> int:
        start.wait()
        action = ":ack" if index % 2 else ":start"
        return client.post(f"/api/v1/tickets/{ticket}{action}").status_code

    with ThreadPoolExecutor(CALLERS) as pool:
        statuses = sorted(pool.map(call, range(CALLERS)))
    # open → acknowledged → in_progress may both happen, in that order; nothing else may.
    shown = client.get(f"/api/v1/tickets/{ticket}").json()
    moves = [(e["detail"]["from"], e["detail"]["to"]) for e in shown["timeline"][1:]]
    assert moves in ([("open", "acknowledged")], [("open", "in_progress")],
                     [("open", "acknowledged"), ("acknowledged", "in_progress")])  # fmt: skip
    assert statuses.count(200) == len(moves) and statuses.count(409) == CALLERS - len(moves)
