"""HTTP routes over a real database: task list and detail, errors, probes."""

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.routes.tasks import task_public
from api.services.tasks import get_task
from sluice.contracts import DetectedFile
from sluice.settings import Settings, TemporalSettings
from store.models import Task, TaskPage
from tests.api.builders import (
    apply_step_update,
    apply_task_update,
    detected_file,
    step_update,
    task_update,
)
from tests.api.tokens import bearer
from tests.fixtures.database import free_port

TEMPORAL = TemporalSettings(ui_url="http://temporal.example:8233/", namespace="ops")


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url, temporal=TEMPORAL))
    with TestClient(app, headers=bearer(db_url)) as test_client:
        yield test_client


def record_finished_file(engine: Engine, status: str = "succeeded") -> DetectedFile:
    file = detected_file()
    with Session(engine) as session:
        apply_task_update(session, update=task_update(file, "running", run_id="run-7"))
        apply_step_update(session, update=step_update(file.workflow_id, "failed", error="boom"))
        apply_step_update(session, update=step_update(file.workflow_id, "succeeded", attempt=2))
        apply_task_update(
            session,
            update=task_update(file, status, bucket="dumps", key=f"host-a/{file.rel_path}"),
        )
    return file


def test_empty_list(client: TestClient) -> None:
    response = client.get("/api/v1/tasks")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_list_pages_and_filters(client: TestClient, db_engine: Engine) -> None:
    files = [
        record_finished_file(db_engine, status) for status in ("succeeded", "failed", "cancelled")
    ]
    first = client.get("/api/v1/tasks", params={"limit": 2}).json()
    second = client.get("/api/v1/tasks", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [t["id"] for t in first["items"] + second["items"]] == [
        f.workflow_id for f in reversed(files)
    ]
    assert second["next_cursor"] is None
    failed = client.get("/api/v1/tasks", params={"status": "failed"}).json()["items"]
    assert [t["id"] for t in failed] == [files[1].workflow_id]
    by_agent = client.get("/api/v1/tasks", params={"agent_id": "host-a"}).json()["items"]
    assert len(by_agent) == 3
    assert client.get("/api/v1/tasks", params={"agent_id": "other"}).json()["items"] == []


def test_list_filters_by_rule_error_class_path_and_time(
    client: TestClient, db_engine: Engine
) -> None:
    ok = record_finished_file(db_engine)
    with Session(db_engine) as session:
        failed = detected_file(rel_path="dumps/Heap-7.hprof")
        apply_task_update(
            session,
            update=task_update(
                failed, "failed", rule_id=4, rule_version=2, error="gone", error_class="not_found"
            ),
        )

    def ids(**params: str | int) -> list[str]:
        response = client.get("/api/v1/tasks", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(rule_id=4) == [failed.workflow_id]
    assert ids(error_class="not_found") == [failed.workflow_id]
    assert ids(path="heap-7") == [failed.workflow_id]
    assert ids(path=ok.rel_path.upper()) == [ok.workflow_id]
    assert ids(created_from="2000-01-01T00:00:00", rule_id=4) == [failed.workflow_id]
    assert ids(created_to="2000-01-01T00:00:00Z") == []
    assert ids(rule_id=4, error_class="network") == []


def test_list_item_says_where_the_file_and_object_are(
    client: TestClient, db_engine: Engine
) -> None:
    file = record_finished_file(db_engine)
    [item] = client.get("/api/v1/tasks").json()["items"]
    assert item["status"] == "succeeded"
    assert (item["host"], item["rel_path"], item["size"]) == (file.host, file.rel_path, file.size)
    assert item["object_url"] == f"s3://dumps/host-a/{file.rel_path}"
    assert item["temporal_url"] == (
        f"http://temporal.example:8233/namespaces/ops/workflows/{file.workflow_id}/run-7/history"
    )
    assert item["created_at"].endswith(("+00:00", "Z"))


def test_list_body_is_exactly_the_task_page_model(client: TestClient, db_engine: Engine) -> None:
    # The list route writes its JSON itself: it must be what TaskPage would have written.
    finished = record_finished_file(db_engine)
    failed = record_finished_file(db_engine, "failed")
    with Session(db_engine) as session:  # a task with no file event, e.g. a manual trigger
        session.add(Task(id="manual-1", workflow_id="manual-1", agent_id=None, rule_id=3))
        session.commit()
    response = client.get("/api/v1/tasks", params={"limit": 2})
    assert response.headers["content-type"] == "application/json"
    page = TaskPage.model_validate_json(response.content)
    assert page.model_dump_json().encode() == response.content
    rest = client.get("/api/v1/tasks", params={"limit": 2, "cursor": page.next_cursor})
    items = page.items + TaskPage.model_validate_json(rest.content).items
    assert [item.id for item in items] == ["manual-1", failed.workflow_id, finished.workflow_id]
    with Session(db_engine) as session:
        tasks = [get_task(session, task_id=item.id) for item in items]
    assert items == [task_public(task, TEMPORAL) for task in tasks if task is not None]
    assert (items[0].host, items[0].object_url) == (None, None)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"limit": 0}, 422, "invalid_request"),
        ({"limit": 501}, 422, "invalid_request"),
        ({"status": "exploded"}, 422, "invalid_request"),
        ({"cursor": "garbage"}, 422, "invalid_cursor"),
        ({"created_from": "yesterday"}, 422, "invalid_request"),
        ({"rule_id": "heap"}, 422, "invalid_request"),
        ({"path": ""}, 422, "invalid_request"),
    ],
)
def test_bad_list_parameters(
    client: TestClient, params: dict[str, str | int], status: int, code: str
) -> None:
    response = client.get("/api/v1/tasks", params=params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_task_detail(client: TestClient, db_engine: Engine) -> None:
    file = record_finished_file(db_engine)
    response = client.get(f"/api/v1/tasks/{file.workflow_id}")
    assert response.status_code == 200
    task = response.json()
    assert (task["id"], task["workflow_id"], task["run_id"]) == (
        file.workflow_id,
        file.workflow_id,
        "run-7",
    )
    assert task["object_url"] == f"s3://dumps/host-a/{file.rel_path}"
    assert task["temporal_url"] == (
        f"http://temporal.example:8233/namespaces/ops/workflows/{file.workflow_id}/run-7/history"
    )
    assert task["file_event"]["id"] == file.file_event_id
    assert task["file_event"]["mtime_ns"] == file.mtime_ns
    [step] = task["steps"]
    assert (step["name"], step["status"], step["attempts"]) == ("upload", "succeeded", 2)
    assert [(a["attempt"], a["status"], a["error"]) for a in step["attempt_history"]] == [
        (1, "failed", "boom"),
        (2, "succeeded", ""),
    ]
    assert task["linked_runs"] == []


def test_task_detail_links_the_runs_of_the_same_file(client: TestClient, db_engine: Engine) -> None:
    file = record_finished_file(db_engine, status="failed")
    retry_id = f"{file.workflow_id}-r2"
    with Session(db_engine) as session:
        update = task_update(file, "succeeded", retry_of=file.workflow_id)
        apply_task_update(session, update=replace(update, task_id=retry_id))
    first = client.get(f"/api/v1/tasks/{file.workflow_id}").json()
    retry = client.get(f"/api/v1/tasks/{retry_id}").json()
    assert [(r["id"], r["status"], r["retry_of"]) for r in first["linked_runs"]] == [
        (retry_id, "succeeded", file.workflow_id)
    ]
    assert [(r["id"], r["status"]) for r in retry["linked_runs"]] == [(file.workflow_id, "failed")]
    assert retry["retry_of"] == file.workflow_id


def test_unknown_task_is_a_404_with_an_error_body(client: TestClient) -> None:
    response = client.get("/api/v1/tasks/file-nope")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "task 'file-nope' not found"}
    }


def test_unknown_path_uses_the_same_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_probes(db_url: str, temporal_address: str) -> None:
    settings = Settings(database_url=db_url, temporal=TemporalSettings(address=temporal_address))
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok", "reason": None}
        ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["status"]) == (200, "ok")


def test_readyz_is_503_with_the_reason_when_the_db_is_down() -> None:
    url = f"postgresql://sluice@127.0.0.1:{free_port()}/sluice?connect_timeout=2"
    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["reason"].startswith("metadata DB unreachable: OperationalError")


def test_every_api_route_is_described(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/tasks", "/api/v1/tasks/{task_id}", "/healthz", "/readyz"} <= set(paths)
    for operations in paths.values():
        for operation in operations.values():
            assert operation.get("description"), operation["operationId"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/tasks", "post"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/rules/{rule_id}:rollback", "post"),
    ],
)
def test_request_bodies_carry_examples(client: TestClient, path: str, method: str) -> None:
    openapi = client.get("/openapi.json").json()
    content = openapi["paths"][path][method]["requestBody"]["content"]["application/json"]
    schema = content["schema"]
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert content.get("examples") or schema.get("examples"), content


@pytest.mark.parametrize("action", [":retry", ":cancel"])
def test_task_actions_answer_503_while_temporal_is_unreachable(
    db_url: str, db_engine: Engine, action: str
) -> None:
    """Nothing listens on the Temporal port: the client's connect fails at the first call."""
    file = record_finished_file(db_engine, status="failed" if action == ":retry" else "running")
    temporal = TemporalSettings(address=f"127.0.0.1:{free_port()}")
    app = create_app(Settings(database_url=db_url, temporal=temporal))
    with TestClient(app, headers=bearer(db_url)) as client:
        response = client.post(f"/api/v1/tasks/{file.workflow_id}{action}")
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "temporal_unavailable"
