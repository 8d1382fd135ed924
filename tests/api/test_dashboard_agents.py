"""Agent liveness on SQLite and PostgreSQL: the monitor's offline transitions, the statuses
GET /agents shows, and a heartbeat bringing an agent back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.services.agents import record_heartbeat
from sluice.settings import MonitorSettings, Settings
from store.agents import Liveness, count_by_status, mark_offline
from store.models import Agent, AgentHeartbeat, AgentStatus, Role, utcnow
from tests.api.seeding import seed_agent
from tests.api.tokens import bearer

LIVENESS = Liveness(stale_after=timedelta(seconds=45), offline_after=timedelta(seconds=90))


def stored_status(engine: Engine, agent_id: str) -> str:
    with Session(engine) as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None
        return agent.status


def test_the_monitor_moves_each_silent_agent_once(db_engine: Engine) -> None:
    seed_agent(db_engine, "fresh", silent_s=5)
    seed_agent(db_engine, "late", silent_s=60)
    seed_agent(db_engine, "silent", silent_s=300)
    seed_agent(db_engine, "gone", silent_s=900, status=AgentStatus.offline)  # moved before

    with Session(db_engine) as session:
        first = mark_offline(session, offline_after=LIVENESS.offline_after, now=utcnow())
        assert [(a.id, a.status) for a in first] == [("silent", AgentStatus.offline)]
        assert mark_offline(session, offline_after=LIVENESS.offline_after, now=utcnow()) == []

    assert stored_status(db_engine, "silent") == AgentStatus.offline
    assert stored_status(db_engine, "late") == AgentStatus.online
    with Session(db_engine) as session:
        counts = count_by_status(session, liveness=LIVENESS, now=utcnow())
    assert counts == {"online": 1, "stale": 1, "offline": 2}


def test_a_heartbeat_after_the_monitor_marks_the_agent_online_again(db_engine: Engine) -> None:
    seed_agent(db_engine, "web-01", silent_s=5)
    with Session(db_engine) as session:
        # the heartbeat's session read the agent while it was online ...
        loaded = session.get(Agent, "web-01")
        assert loaded is not None and loaded.status == AgentStatus.online
        # ... then the monitor marked it offline from another session
        with Session(db_engine) as monitor:
            later = utcnow() + timedelta(minutes=5)
            moved = mark_offline(monitor, offline_after=LIVENESS.offline_after, now=later)
            assert [a.id for a in moved] == ["web-01"]
        record_heartbeat(session, body=AgentHeartbeat(id="web-01"))
    assert stored_status(db_engine, "web-01") == AgentStatus.online


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url, monitor=MonitorSettings(stale_after=20, offline_after=40)
    )
    with TestClient(create_app(settings), headers=bearer(db_url, Role.viewer)) as test_client:
        yield test_client


def test_agents_show_the_status_of_the_configured_thresholds(
    client: TestClient, db_engine: Engine
) -> None:
    seed_agent(db_engine, "fresh", silent_s=5)
    seed_agent(db_engine, "late", silent_s=30)  # stale at 20 s, offline at 40 s
    seed_agent(db_engine, "silent", silent_s=60)

    listed = {a["id"]: a["status"] for a in client.get("/api/v1/agents").json()}
    assert listed == {"fresh": "online", "late": "stale", "silent": "offline"}
    assert client.get("/api/v1/agents/late").json()["status"] == "stale"
    assert client.get("/api/v1/dashboard").json()["agents"] == {
        "online": 1, "stale": 1, "offline": 1, "total": 3,
    }  # fmt: skip
    # showing a status never stores it: only the monitor marks agents offline
    assert stored_status(db_engine, "silent") == AgentStatus.online
