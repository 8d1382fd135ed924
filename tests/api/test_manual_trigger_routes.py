"""POST /tasks refusals on SQLite and PostgreSQL: everything refused before Temporal is asked.

Temporal points at a closed port here, so a request that got as far as starting a workflow
would fail; the runs themselves are tested end to end in tests/e2e/test_manual_trigger.py.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from sluice.settings import Settings, TemporalSettings
from store.models import Role
from tests.api.builders import apply_task_update, detected_file, task_update
from tests.api.tokens import bearer
from tests.fixtures.database import free_port

TASKS = "/api/v1/tasks"
ROOTS = ["/data/app", "/srv/other"]


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    temporal = TemporalSettings(address=f"127.0.0.1:{free_port()}")
    app = create_app(Settings(database_url=db_url, temporal=temporal))
    with TestClient(app, headers=bearer(db_url, Role.operator, "ops")) as test_client:
        registration = {"id": "web-01", "hostname": "web-01.example", "roots": ROOTS}
        admin = bearer(db_url, Role.admin, "root")
        assert test_client.post(
            "/api/v1/agents/register", json=registration, headers=admin
        ).is_success
        yield test_client


def refused(client: TestClient, body: Any, status: int, code: str) -> str:
    response = client.post(TASKS, json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    message: str = response.json()["error"]["message"]
    return message


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/data/app/../../etc/passwd", "contains '..'"),
        ("dumps/../../../etc/shadow", "contains '..'"),
        ("/etc/passwd", "is outside the agent's roots (/data/app, /srv/other)"),
        ("/data/application/x.log", "is outside the agent's roots"),
        (".", "names a root, not a file"),
    ],
)
def test_paths_outside_the_roots_are_422(client: TestClient, path: str, says: str) -> None:
    message = refused(client, {"agent_id": "web-01", "path": path}, 422, "invalid_path")
    assert says in message


def test_unknown_agent_is_404(client: TestClient) -> None:
    message = refused(client, {"agent_id": "nope", "path": "/data/app/x.log"}, 404, "not_found")
    assert message == "agent 'nope' not found"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "give agent_id and path"),
        ({"agent_id": "web-01"}, "give agent_id and path"),
        ({"path": "/data/app/x.log"}, "give agent_id and path"),
        ({"agent_id": "web-01", "path": "x.log", "file_event_id": "abc"}, "not both"),
        ({"agent_id": "web-01", "path": ""}, "path"),
        ({"agent_id": "web-01", "path": "x.log", "size": 3}, "size"),
        (["web-01", "x.log"], "body"),
    ],
)
def test_malformed_bodies_are_422(client: TestClient, body: Any, says: str) -> None:
    assert says in refused(client, body, 422, "invalid_request")


def test_wait_is_bounded(client: TestClient) -> None:
    response = client.post(f"{TASKS}?wait=31", json={"agent_id": "web-01", "path": "x.log"})
    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_request")


def test_unknown_file_event_is_404(client: TestClient) -> None:
    message = refused(client, {"file_event_id": "feedface"}, 404, "not_found")
    assert message == "file event 'feedface' not found"


def test_rerun_while_the_last_run_is_going_is_409(client: TestClient, db_engine: Engine) -> None:
    file = detected_file(agent_id="web-01")
    with Session(db_engine) as session:
        apply_task_update(session, update=task_update(file, "running"))
    message = refused(client, {"file_event_id": file.file_event_id}, 409, "conflict")
    assert message == (
        f"file event {file.file_event_id} is still being handled by task "
        f"{file.workflow_id} (running)"
    )


def test_temporal_down_is_a_503(client: TestClient, db_engine: Engine) -> None:
    message = refused(client, {"agent_id": "web-01", "path": "x.log"}, 503, "temporal_unavailable")
    assert message.startswith("Temporal is unreachable")
    file = detected_file(agent_id="web-01")
    with Session(db_engine) as session:
        apply_task_update(session, update=task_update(file, "succeeded"))
    refused(client, {"file_event_id": file.file_event_id}, 503, "temporal_unavailable")
    status = client.get(f"{TASKS}/triggers/manual-0123")
    assert (status.status_code, status.json()["error"]["code"]) == (503, "temporal_unavailable")


def test_unknown_trigger_is_404(client: TestClient) -> None:
    response = client.get(f"{TASKS}/triggers/not-a-trigger")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "trigger 'not-a-trigger' not found"


def test_refused_triggers_are_not_audited(client: TestClient) -> None:
    refused(client, {"agent_id": "web-01", "path": "/etc/passwd"}, 422, "invalid_path")
    refused(client, {"agent_id": "nope", "path": "x"}, 404, "not_found")
    rows = client.get("/api/v1/audit-logs", params={"resource_type": "task"}).json()["items"]
    assert rows == []


@pytest.mark.parametrize("role", [Role.viewer, Role.agent])
def test_triggering_needs_an_operator(client: TestClient, db_url: str, role: Role) -> None:
    body = {"agent_id": "web-01", "path": "/data/app/x.log"}
    denied = client.post(TASKS, json=body, headers=bearer(db_url, role, "web-01"))
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "forbidden")
    anonymous = client.post(TASKS, json=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    status = client.get(f"{TASKS}/triggers/manual-x", headers={"Authorization": ""})
    assert status.status_code == 401
