"""The API's operations surface: Prometheus /metrics, /readyz on DB and Temporal, CORS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from api.app import create_app
from sluice.settings import ApiSettings, Settings, TemporalSettings
from store.db import migrate
from store.models import AgentStatus, Role, utcnow
from tests.api.seeding import seed_agent, seed_task
from tests.api.tokens import bearer
from tests.fixtures.database import free_port

DURATION = "sluice_api_request_duration_seconds"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=db_url)), headers=bearer(db_url)) as client:
        yield client


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Scrape /metrics (without a token, as Prometheus does): {(sample, labels): value}."""
    response = client.get("/metrics", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def count_of(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], **labels: str) -> float:
    return scraped.get((f"{DURATION}_count", frozenset(labels.items())), 0.0)


def test_request_latency_is_labelled_by_route_template(client: TestClient) -> None:
    assert client.get("/api/v1/agents/web-01").status_code == 404
    assert client.get("/api/v1/agents/web-02").status_code == 404
    assert client.get("/api/v1/tasks").status_code == 200
    assert client.get("/api/v1/no/such/thing").status_code == 404  # elsewhere: the console

    scraped = samples(client)

    one_agent = {"method": "GET", "route": "/api/v1/agents/{agent_id}", "status": "404"}
    assert count_of(scraped, **one_agent) == 2
    assert count_of(scraped, method="GET", route="/api/v1/tasks", status="200") == 1
    assert count_of(scraped, method="GET", route="unmatched", status="404") == 1
    routes = {dict(labels).get("route") for name, labels in scraped if name.startswith(DURATION)}
    assert not {"/api/v1/agents/web-01", "/api/v1/no/such/thing"} & routes


def test_tasks_and_agents_are_counted_from_the_database(
    client: TestClient, db_engine: Engine
) -> None:
    for status in ("succeeded", "succeeded", "failed", "running"):
        seed_task(db_engine, utcnow(), status, dwell_s=1 if status != "running" else None)
    seed_agent(db_engine, "fresh", silent_s=1)
    seed_agent(db_engine, "gone", silent_s=1, status=AgentStatus.offline)

    scraped = samples(client)

    def value(name: str, **labels: str) -> float:
        return scraped[(name, frozenset(labels.items()))]

    assert value("sluice_api_db_up") == 1
    assert value("sluice_tasks_finished_total", status="succeeded") == 2
    assert value("sluice_tasks_finished_total", status="failed") == 1
    assert value("sluice_tasks_finished_total", status="cancelled") == 0
    assert value("sluice_tasks_in_progress", status="running") == 1
    assert value("sluice_agents_online") == 1
    assert value("sluice_agents", status="offline") == 1
    assert value("sluice_agents", status="stale") == 0
    assert value("sluice_tasks_oldest_age_seconds", status="pending") == 0


def test_the_oldest_unfinished_task_age_is_exported(client: TestClient, db_engine: Engine) -> None:
    now = utcnow()
    seed_task(db_engine, now - timedelta(hours=2), "running")
    seed_task(db_engine, now - timedelta(minutes=5), "running")
    seed_task(db_engine, now - timedelta(days=3), "succeeded", dwell_s=1)

    scraped = samples(client)

    age = scraped[("sluice_tasks_oldest_age_seconds", frozenset({("status", "running")}))]
    assert 2 * 3600 <= age < 2 * 3600 + 60
    assert scraped[("sluice_tasks_oldest_age_seconds", frozenset({("status", "retrying")}))] == 0


def test_metrics_still_answer_when_the_database_is_down() -> None:
    url = f"postgresql://sluice@127.0.0.1:{free_port()}/sluice?connect_timeout=2"
    with TestClient(create_app(Settings(database_url=url))) as client:
        scraped = samples(client)
    assert scraped[("sluice_api_db_up", frozenset())] == 0
    assert not [name for name, _ in scraped if name.startswith("sluice_tasks")]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_database_that_is_not_there_is_a_503_to_retry_not_a_500(
    backend: str, tmp_path: Path
) -> None:
    """An alert sender told 503 redelivers; a 500 would read as Sluice's own bug."""
    url = (
        f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it
        if backend == "sqlite"
        else f"postgresql://sluice@127.0.0.1:{free_port()}/sluice?connect_timeout=2"
    )
    alert = [{"labels": {"alertname": "DiskFull"}, "startsAt": "2026-12-07T10:00:00Z"}]
    with TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False) as c:
        token = {"Authorization": "Bearer sluice_not-checked-while-the-db-is-down"}
        responses = [
            c.post("/api/v2/alerts", json=alert, headers=token),
            c.post("/api/v1/alerts/alertmanager", json={"version": "4"}, headers=token),
            c.get("/api/v1/alerts", headers=token),
        ]
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        error = response.json()["error"]
        assert error["code"] == "database_unavailable"
        assert error["message"].startswith("metadata DB unavailable: ")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'sluice.db'}"
    migrate(url)
    return url


def test_readyz_checks_the_database_and_temporal(sqlite_url: str, temporal_address: str) -> None:
    settings = Settings(
        database_url=sqlite_url, temporal=TemporalSettings(address=temporal_address)
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "reason": None, "checks": {"db": "ok", "temporal": "ok"},
    }  # fmt: skip


def test_readyz_is_503_naming_temporal_when_only_temporal_is_down(sqlite_url: str) -> None:
    address = f"127.0.0.1:{free_port()}"
    settings = Settings(database_url=sqlite_url, temporal=TemporalSettings(address=address))
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"]["db"] == "ok"
    assert body["checks"]["temporal"].startswith(f"Temporal unreachable at {address}: ")
    assert body["reason"] == body["checks"]["temporal"]


def test_readyz_names_both_when_both_are_down() -> None:
    db = f"postgresql://sluice@127.0.0.1:{free_port()}/sluice?connect_timeout=2"
    settings = Settings(
        database_url=db, temporal=TemporalSettings(address=f"127.0.0.1:{free_port()}")
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["db"].startswith("metadata DB unreachable: OperationalError")
    assert checks["temporal"].startswith("Temporal unreachable")
    assert response.json()["reason"] == f"{checks['db']}; {checks['temporal']}"


def test_cors_answers_only_the_configured_origins(sqlite_url: str) -> None:
    preflight = {"Origin": "https://ops.example", "Access-Control-Request-Method": "GET"}
    allowed = Settings(
        database_url=sqlite_url, api=ApiSettings(cors_origins=["https://ops.example"])
    )
    with TestClient(create_app(allowed)) as client:
        response = client.options("/api/v1/dashboard", headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://ops.example"
        other = client.options(
            "/api/v1/dashboard", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers
        read = client.get(
            "/api/v1/dashboard",
            headers={"Origin": "https://ops.example", **bearer(sqlite_url, Role.viewer)},
        )
        assert read.headers["access-control-allow-origin"] == "https://ops.example"
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:  # the default
        response = client.options("/api/v1/dashboard", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
