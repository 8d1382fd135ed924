"""Agents API on SQLite and PostgreSQL: register, heartbeat, list, show, config push."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from sluice.settings import Settings
from store.models import Agent, Role, utcnow
from tests.api.tokens import bearer


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url)) as test_client:
        yield test_client


def _register(client: TestClient, agent_id: str = "web-01", **extra: object) -> dict[str, object]:
    body = {
        "id": agent_id,
        "hostname": "web-01.internal",
        "ip": "10.0.0.7",
        "version": "0.1.0",
        "labels": {"env": "prod"},
        "roots": ["/data/dumps"],
        **extra,
    }
    response = client.post("/api/v1/agents/register", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_register_then_heartbeat_shows_the_agents_report(client: TestClient) -> None:
    registered = _register(client)
    assert registered["status"] == "online" and registered["config_version"] == 0

    event = {"kind": "spool_high_water", "message": "spool holds 12000", "at": "2026-01-01"}
    reply = client.post(
        "/api/v1/agents/heartbeat",
        json={"id": "web-01", "spool_depth": 12000, "in_flight": 7, "last_error": "boom",
              "config_version": 0, "events": [event]},
    )  # fmt: skip
    assert reply.status_code == 200 and reply.json() == {"config_version": 0}

    shown = client.get("/api/v1/agents/web-01").json()
    assert (shown["spool_depth"], shown["in_flight"], shown["last_error"]) == (12000, 7, "boom")
    assert shown["events"] == [event]
    assert shown["labels"] == {"env": "prod"} and shown["roots"] == ["/data/dumps"]
    assert [a["id"] for a in client.get("/api/v1/agents").json()] == ["web-01"]


def test_heartbeat_from_an_unknown_agent_is_404_so_it_registers_again(client: TestClient) -> None:
    response = client.post("/api/v1/agents/heartbeat", json={"id": "ghost"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/agents/ghost").status_code == 404
    assert client.get("/api/v1/agents/ghost/config").status_code == 404


def test_put_config_bumps_the_version_and_heartbeats_announce_it(client: TestClient) -> None:
    _register(client)
    assert client.get("/api/v1/agents/web-01/config").json() == {
        "agent_id": "web-01", "version": 0, "config": {},
    }  # fmt: skip
    pushed = {"include_suffixes": [".hprof"], "silence": 5, "max_in_flight": 50}
    first = client.put("/api/v1/agents/web-01/config", json={"config": pushed})
    assert first.status_code == 200 and first.json()["version"] == 1
    second = client.put("/api/v1/agents/web-01/config", json={"config": {"silence": 2}})
    assert second.json() == {"agent_id": "web-01", "version": 2, "config": {"silence": 2}}

    reply = client.post("/api/v1/agents/heartbeat", json={"id": "web-01", "config_version": 1})
    assert reply.json() == {"config_version": 2}
    shown = client.get("/api/v1/agents/web-01").json()
    assert (shown["config_version"], shown["applied_config_version"]) == (2, 1)
    _register(client)  # a restart keeps the pushed config
    assert client.get("/api/v1/agents/web-01/config").json()["version"] == 2


def test_each_pushed_config_is_kept_as_a_version(client: TestClient, db_url: str) -> None:
    _register(client)
    versions = "/api/v1/agents/web-01/config/versions"
    assert client.get(versions).json() == []
    client.put("/api/v1/agents/web-01/config", json={"config": {"silence": 5}})
    client.put("/api/v1/agents/web-01/config", json={"config": {"silence": 2}})
    assert client.put("/api/v1/agents/web-01/config", json={"config": {"silence": -1}}).is_error

    viewer = bearer(db_url, Role.viewer, "history-reader")
    shown = client.get(versions, headers=viewer)
    assert shown.status_code == 200, shown.text
    assert [(v["version"], v["config"], v["created_by"]) for v in shown.json()] == [
        (2, {"silence": 2}, "test-admin"),
        (1, {"silence": 5}, "test-admin"),
    ]  # newest first; the refused config made no version
    assert client.get("/api/v1/agents/ghost/config/versions").status_code == 404


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"spool_path": "/tmp/x"}, "not pushable"),
        ({"silence": -1}, "silence"),
        ({"roots": []}, "roots"),
        ({"log_alerts": {"rules": [{"name": "r", "paths": ["*.log"], "regexes": ["(?<=a)b"]}]}},
         "regex"),
        ({"log_alerts": {"rules": [{"name": "r", "paths": ["*.log"]}]}}, "needs keywords"),
        ({"log_alerts": {"poll_interval": "soon"}}, "duration"),
    ],
)  # fmt: skip
def test_invalid_config_is_refused_and_the_version_kept(
    client: TestClient, config: dict[str, object], fragment: str
) -> None:
    _register(client)
    response = client.put("/api/v1/agents/web-01/config", json={"config": config})
    assert response.status_code == 422
    assert fragment in response.json()["error"]["message"]
    assert client.get("/api/v1/agents/web-01/config").json()["version"] == 0


def test_register_validates_the_agent_id(client: TestClient) -> None:
    response = client.post("/api/v1/agents/register", json={"id": "../x", "hostname": "h"})
    assert response.status_code == 422


def test_silent_agents_show_offline(client: TestClient, db_engine: Engine) -> None:
    _register(client)
    with Session(db_engine) as session:
        agent = session.get(Agent, "web-01")
        assert agent is not None
        agent.last_heartbeat_at = utcnow() - timedelta(minutes=5)
        session.add(agent)
        session.commit()
    assert client.get("/api/v1/agents/web-01").json()["status"] == "offline"
    assert client.get("/api/v1/agents").json()[0]["status"] == "offline"


def _silence(db_engine: Engine, agent_id: str = "web-01") -> None:
    with Session(db_engine) as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None
        agent.last_heartbeat_at = utcnow() - timedelta(minutes=5)
        session.add(agent)
        session.commit()


def test_a_decommissioned_agent_is_removed_with_its_tokens(
    client: TestClient, db_engine: Engine, db_url: str
) -> None:
    agent_headers = bearer(db_url, Role.agent, "web-01")
    assert client.post(
        "/api/v1/agents/register", headers=agent_headers,
        json={"id": "web-01", "hostname": "web-01.internal"},
    ).status_code == 200  # fmt: skip
    client.put("/api/v1/agents/web-01/config", json={"config": {"silence": 5}})

    refused = client.delete("/api/v1/agents/web-01")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "agent_online" and "web-01.internal" in error["message"]
    assert client.get("/api/v1/agents/web-01").status_code == 200  # nothing changed

    _silence(db_engine)
    operator = bearer(db_url, Role.operator, "ops")
    assert client.delete("/api/v1/agents/web-01", headers=operator).status_code == 403
    removed = client.delete("/api/v1/agents/web-01")
    assert removed.status_code == 200, removed.text
    assert removed.json()["id"] == "web-01" and len(removed.json()["revoked_token_ids"]) == 1

    assert client.get("/api/v1/agents").json() == []
    assert client.get("/api/v1/agents/web-01/config/versions").status_code == 404
    # A forgotten copy of the agent cannot bring it back: its token is revoked.
    again = client.post(
        "/api/v1/agents/register", headers=agent_headers,
        json={"id": "web-01", "hostname": "web-01.internal"},
    )  # fmt: skip
    assert again.status_code == 401
    audit = client.get("/api/v1/audit-logs", params={"resource_type": "agent"}).json()["items"]
    assert (audit[0]["action"], audit[0]["resource_id"]) == ("agent.delete", "web-01"), audit
    assert client.delete("/api/v1/agents/web-01").status_code == 404


def test_removing_an_agent_can_keep_its_tokens_for_a_fresh_start(
    client: TestClient, db_engine: Engine, db_url: str
) -> None:
    agent_headers = bearer(db_url, Role.agent, "web-02")
    body = {"id": "web-02", "hostname": "web-02.internal", "roots": ["/old"]}
    client.post("/api/v1/agents/register", headers=agent_headers, json=body)
    _silence(db_engine, "web-02")
    removed = client.delete("/api/v1/agents/web-02", params={"revoke_tokens": "false"})
    assert removed.status_code == 200 and removed.json()["revoked_token_ids"] == []
    body["roots"] = ["/new"]
    back = client.post("/api/v1/agents/register", headers=agent_headers, json=body)
    assert back.status_code == 200 and back.json()["roots"] == ["/new"]
    assert back.json()["config_version"] == 0  # a fresh start: the old pushed config is gone
