"""Bearer tokens and roles on SQLite and PostgreSQL: 401, 403 per role, 200, the token CLI."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.auth import find_token, hash_token, revoke_token
from sluice.cli import app as cli
from sluice.settings import Settings
from store.db import make_engine
from store.models import ApiToken, Role
from tests.api.serving import sluice_api
from tests.api.tokens import bearer, issue_token

RULE = {
    "name": "dumps",
    "match": {"globs": ["**/*.hprof"]},
    "pipeline": [{"upload": {"bucket": "dumps", "key": "{relpath}"}}],
}
AGENT = "web-01"


def registration(agent_id: str = AGENT) -> dict[str, Any]:
    return {"id": agent_id, "hostname": "h", "ip": "10.0.0.1", "version": "1", "roots": ["/d"]}


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return create_app(Settings(database_url=db_url))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


READS = [
    "/api/v1/tasks",
    "/api/v1/tasks/t-1",
    "/api/v1/rules",
    "/api/v1/agents",
    "/api/v1/agents/web-01/config",
    "/api/v1/channels",
    "/api/v1/notifications",
    "/api/v1/audit-logs",
]


@pytest.mark.parametrize("path", READS)
def test_no_token_is_401_with_a_bearer_challenge(client: TestClient, path: str) -> None:
    assert_unauthorized(client.get(path))


def test_mutations_without_a_token_are_401_before_validation(client: TestClient) -> None:
    assert_unauthorized(client.post("/api/v1/rules", json={}))
    assert_unauthorized(client.post("/api/v1/tasks/t-1:cancel"))
    assert_unauthorized(client.post("/api/v1/agents/register", json={}))
    assert_unauthorized(client.delete("/api/v1/channels/1"))


@pytest.mark.parametrize(
    "authorization",
    ["Bearer sluice_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer", "sluice_bare"],
)
def test_bad_token_is_401(client: TestClient, authorization: str) -> None:
    assert_unauthorized(client.get("/api/v1/tasks", headers={"Authorization": authorization}))


def test_revoked_token_is_401(client: TestClient, db_url: str) -> None:
    headers = bearer(db_url, Role.viewer, "soon-gone")
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            row = find_token(session, headers["Authorization"].removeprefix("Bearer "))
            assert row is not None and row.id is not None
            revoke_token(session, token_id=row.id, actor="tests")
    finally:
        engine.dispose()
    assert_unauthorized(client.get("/api/v1/tasks", headers=headers))


def test_a_revoke_through_another_replica_holds_on_the_next_request(
    client: TestClient, db_url: str, tmp_path: Path
) -> None:
    """This app and a `sluice api` process on one DB, as two replicas: a token revoked
    through either is refused by both on their next request."""
    admin = bearer(db_url, Role.admin)
    first, second = bearer(db_url, Role.viewer, "first"), bearer(db_url, Role.viewer, "second")
    with sluice_api(db_url, tmp_path / "api.log") as url, httpx.Client(base_url=url) as other:
        listed = other.get("/api/v1/tokens", headers=admin).json()
        ids = {t["name"]: t["id"] for t in listed}
        for revoker, bystander, headers, name in (
            (other, client, first, "first"),
            (client, other, second, "second"),
        ):
            for replica in (client, other):
                for _ in range(3):  # verified just now, as live as a token gets
                    assert replica.get("/api/v1/tasks", headers=headers).status_code == 200
            revoked = revoker.post(f"/api/v1/tokens/{ids[name]}:revoke", headers=admin)
            assert revoked.status_code == 200, revoked.text
            assert_unauthorized(bystander.get("/api/v1/tasks", headers=headers))
            assert_unauthorized(revoker.get("/api/v1/tasks", headers=headers))
            again = bystander.post(f"/api/v1/tokens/{ids[name]}:revoke", headers=admin)
            assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")


def test_a_revoke_by_the_cli_holds_on_the_next_request(
    client: TestClient, db_engine: Engine, db_url: str
) -> None:
    headers = bearer(db_url, Role.viewer, "cli-revoked")
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    with Session(db_engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.name == "cli-revoked")).one()
    env = {**os.environ, "SLUICE_DATABASE_URL": db_url}
    command = [sys.executable, "-m", "sluice.cli", "token", "revoke", str(row.id)]
    revoked = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert revoked.returncode == 0, revoked.stderr
    assert_unauthorized(client.get("/api/v1/tasks", headers=headers))
    twice = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert twice.returncode == 1 and f"token {row.id} was already revoked at" in twice.stderr


def test_tokens_are_stored_hashed_and_last_use_is_recorded(client: TestClient, db_url: str) -> None:
    token = issue_token(db_url, Role.viewer, "hashed")
    assert token.startswith("sluice_")
    client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            rows = list(session.exec(select(ApiToken).where(ApiToken.name == "hashed")))
    finally:
        engine.dispose()
    assert len(rows) == 1
    assert rows[0].token_hash == hash_token(token) and token not in rows[0].token_hash
    assert rows[0].last_used_at is not None


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/docs", "/openapi.json"]
)  # the console's paths: tests/api/test_console.py
def test_probes_console_and_docs_stay_public(client: TestClient, path: str) -> None:
    # No Temporal here, so /readyz is 503: public means it answers without a token.
    assert client.get(path).status_code == (503 if path == "/readyz" else 200)


# (role, method, path, json body, expected status); agent tokens are named after the agent.
MATRIX: list[tuple[Role, str, str, Any, int]] = [
    # viewer: reads everything except the audit log, writes nothing
    (Role.viewer, "GET", "/api/v1/tasks", None, 200),
    (Role.viewer, "GET", "/api/v1/rules", None, 200),
    (Role.viewer, "GET", "/api/v1/agents", None, 200),
    (Role.viewer, "GET", "/api/v1/channels", None, 200),
    (Role.viewer, "GET", "/api/v1/audit-logs", None, 403),
    (Role.viewer, "POST", "/api/v1/rules", RULE, 403),
    (Role.viewer, "POST", "/api/v1/tasks/t-1:cancel", None, 403),
    (Role.viewer, "DELETE", "/api/v1/channels/1", None, 403),
    (Role.viewer, "POST", "/api/v1/agents/register", registration(), 403),
    # operator: reads and writes tasks, rules and channels; not agents, not tokens
    (Role.operator, "POST", "/api/v1/rules", RULE, 201),
    (Role.operator, "POST", "/api/v1/tasks/t-1:cancel", None, 404),
    (Role.operator, "DELETE", "/api/v1/channels/1", None, 404),
    (Role.operator, "GET", "/api/v1/audit-logs", None, 200),
    (Role.operator, "GET", "/api/v1/agents", None, 200),
    (Role.operator, "POST", "/api/v1/agents/register", registration(), 403),
    (Role.operator, "PUT", "/api/v1/agents/web-01/config", {"config": {}}, 403),
    # agent: register, heartbeat and read its own config, nothing else
    (Role.agent, "POST", "/api/v1/agents/register", registration(), 200),
    (Role.agent, "POST", "/api/v1/agents/register", registration("web-02"), 403),
    (Role.agent, "POST", "/api/v1/agents/heartbeat", {"id": "web-02"}, 403),
    (Role.agent, "GET", "/api/v1/agents/web-02/config", None, 403),
    (Role.agent, "GET", "/api/v1/agents", None, 403),
    (Role.agent, "GET", "/api/v1/agents/web-01", None, 403),
    (Role.agent, "PUT", "/api/v1/agents/web-01/config", {"config": {}}, 403),
    (Role.agent, "GET", "/api/v1/tasks", None, 403),
    (Role.agent, "POST", "/api/v1/rules", RULE, 403),
    (Role.agent, "GET", "/api/v1/channels", None, 403),
    (Role.agent, "GET", "/api/v1/audit-logs", None, 403),
    # admin: everything
    (Role.admin, "POST", "/api/v1/agents/register", registration(), 200),
    (Role.admin, "GET", "/api/v1/audit-logs", None, 200),
    (Role.admin, "POST", "/api/v1/rules", RULE, 201),
    (Role.admin, "DELETE", "/api/v1/channels/1", None, 404),
]


@pytest.mark.parametrize(("role", "method", "path", "body", "expected"), MATRIX)
def test_roles(
    client: TestClient, db_url: str, role: Role, method: str, path: str, body: Any, expected: int
) -> None:
    name = AGENT if role == Role.agent else f"a-{role}"
    response = client.request(method, path, json=body, headers=bearer(db_url, role, name))
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json()["error"]["code"] == "forbidden"


def test_agent_token_runs_its_own_agent(client: TestClient, db_url: str) -> None:
    agent = bearer(db_url, Role.agent, AGENT)
    admin = bearer(db_url, Role.admin)
    assert client.post("/api/v1/agents/register", json=registration(), headers=agent).is_success
    beat = client.post("/api/v1/agents/heartbeat", json={"id": AGENT}, headers=agent)
    assert beat.json() == {"config_version": 0}
    pushed = {"config": {"silence": 2.0}}
    assert client.put(f"/api/v1/agents/{AGENT}/config", json=pushed, headers=admin).is_success
    config = client.get(f"/api/v1/agents/{AGENT}/config", headers=agent).json()
    assert (config["version"], config["config"]) == (1, {"silence": 2.0})


def test_openapi_declares_the_bearer_scheme(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    # Signing in to the console and out again need no token (tests/api/test_session.py).
    public = {("/api/v1/session", "post"), ("/api/v1/session", "delete")}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            secured = operation.get("security") == [{"bearer": []}]
            api = path.startswith(("/api/v1/", "/api/v2/"))  # v2: the Alertmanager receiver
            expected = api and (path, method) not in public
            assert secured == expected, (path, method, operation.get("security"))
    assert "401" in spec["paths"]["/api/v1/tasks"]["get"]["responses"]


def test_token_cli_creates_lists_and_revokes(
    client: TestClient, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLUICE_DATABASE_URL", db_url)
    runner = CliRunner()
    created = runner.invoke(cli, ["token", "create", "--name", "ci", "--role", "operator"])
    assert created.exit_code == 0, created.output
    found = re.search(r"sluice_\S+", created.stdout)
    assert found is not None
    token = found.group(0)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/rules", json=RULE, headers=headers).status_code == 201

    listed = runner.invoke(cli, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    line = next(row for row in listed.stdout.splitlines() if "\tci\t" in row)
    token_id = line.split("\t")[0]
    assert "\toperator\t" in line and token not in listed.stdout

    revoked = runner.invoke(cli, ["token", "revoke", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert_unauthorized(client.get("/api/v1/tasks", headers=headers))
    assert runner.invoke(cli, ["token", "revoke", "9999"]).exit_code == 1
    bad = runner.invoke(cli, ["token", "create", "--name", "x", "--role", "root"])
    assert bad.exit_code == 1 and "unknown role" in bad.output
