"""File event routes over a real database: list with filters and pages, one file's whole life."""

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from sluice.contracts import DetectedFile, TaskUpdate
from sluice.settings import Settings
from store.models import Role
from tests.api.builders import (
    apply_step_update,
    apply_task_update,
    detected_file,
    step_update,
    task_update,
)
from tests.api.tokens import bearer

FILES = "/api/v1/file-events"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.viewer)) as test_client:
        yield test_client


def detected(agent_id: str, rel_path: str, at: str) -> DetectedFile:
    return dataclasses.replace(detected_file(agent_id=agent_id, rel_path=rel_path), detected_at=at)


def record(engine: Engine, file: DetectedFile, status: str = "succeeded") -> None:
    with Session(engine) as session:
        apply_task_update(session, update=task_update(file, "running"))
        apply_task_update(session, update=task_update(file, status))


def retried(engine: Engine, file: DetectedFile) -> str:
    """A failed first run (upload failed twice), then a linked second run that succeeds."""
    first, second = file.workflow_id, f"{file.workflow_id}-r2"
    with Session(engine) as session:
        apply_task_update(
            session, update=task_update(file, "running", rule_id=7, rule_version=3, run_id="a")
        )
        apply_step_update(session, update=step_update(first, "failed", error="reset"))
        apply_step_update(
            session,
            update=step_update(first, "failed", attempt=2, error="reset", error_class="network"),
        )
        apply_task_update(
            session,
            update=task_update(file, "failed", error="step upload failed", error_class="network"),
        )
        rerun = TaskUpdate(task_id=second, status="running", file=file, retry_of=first)
        apply_task_update(session, update=rerun)
        apply_step_update(session, update=step_update(second, "succeeded"))
        apply_step_update(session, update=step_update(second, "succeeded", name="verify"))
        apply_task_update(session, update=dataclasses.replace(rerun, status="succeeded"))
    return second


def seed(engine: Engine) -> list[DetectedFile]:
    """Five files, newest first: two agents, two kinds of path, detected a day apart."""
    files = [
        detected(
            f"host-{n % 2}", f"{'dumps' if n % 2 else 'logs'}/f{n}.bin", f"2026-03-0{n}T10:00Z"
        )
        for n in range(1, 6)
    ]
    for file in files:
        record(engine, file)
    return files[::-1]


def ids(client: TestClient, **params: Any) -> list[str]:
    seen, cursor = [], None
    while True:
        response = client.get(FILES, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen


def test_list_newest_first_with_filters_and_pages(client: TestClient, db_engine: Engine) -> None:
    files = seed(db_engine)
    every = [f.file_event_id for f in files]
    assert ids(client) == every
    assert ids(client, limit=2) == every
    assert ids(client, agent_id="host-1", limit=1) == [
        f.file_event_id for f in files if f.agent_id == "host-1"
    ]
    assert ids(client, path="DUMPS/") == [f.file_event_id for f in files if "dumps" in f.rel_path]
    march_2_to_4 = [
        f.file_event_id for f in files if "2026-03-02" <= f.detected_at[:10] < "2026-03-04"
    ]
    assert len(march_2_to_4) == 2
    assert ids(client, detected_from="2026-03-02", detected_to="2026-03-04T00:00:00Z") == (
        march_2_to_4
    )
    assert ids(client, agent_id="nobody") == []


def test_listed_file_shows_its_runs_and_newest_status(
    client: TestClient, db_engine: Engine
) -> None:
    file = detected("host-a", "dumps/x.hprof", "2026-03-01T10:00Z")
    second = retried(db_engine, file)
    [item] = client.get(FILES).json()["items"]
    assert (item["id"], item["rel_path"], item["size"]) == (
        file.file_event_id,
        file.rel_path,
        file.size,
    )
    assert (item["runs"], item["latest_task_id"], item["latest_status"]) == (2, second, "succeeded")


def test_detail_shows_the_whole_life_of_a_file(client: TestClient, db_engine: Engine) -> None:
    file = detected("host-a", "dumps/x.hprof", "2026-03-01T10:00Z")
    second = retried(db_engine, file)
    response = client.get(f"{FILES}/{file.file_event_id}")
    assert response.status_code == 200, response.text
    life = response.json()
    assert (life["id"], life["agent_id"], life["mtime_ns"]) == (
        file.file_event_id,
        "host-a",
        file.mtime_ns,
    )
    first, rerun = life["runs"]
    assert (first["id"], first["status"], first["retry_of"]) == (file.workflow_id, "failed", None)
    assert (first["rule_id"], first["rule_version"], first["error_class"]) == (7, 3, "network")
    assert (rerun["id"], rerun["status"], rerun["retry_of"]) == (second, "succeeded", first["id"])
    [upload] = first["steps"]
    assert [(a["attempt"], a["status"], a["error_class"]) for a in upload["attempt_history"]] == [
        (1, "failed", ""),
        (2, "failed", "network"),
    ]
    assert [s["name"] for s in rerun["steps"]] == ["upload", "verify"]

    moments = [
        (e["event"], e["task_id"], e["step"], e["attempt"], e["status"]) for e in life["timeline"]
    ]
    assert moments == [
        ("detected", None, None, None, ""),
        ("task.started", first["id"], None, None, ""),
        ("step.attempt", first["id"], "upload", 1, "failed"),
        ("step.attempt", first["id"], "upload", 2, "failed"),
        ("task.finished", first["id"], None, None, "failed"),
        ("task.started", second, None, None, ""),
        ("step.attempt", second, "upload", 1, "succeeded"),
        ("step.attempt", second, "verify", 1, "succeeded"),
        ("task.finished", second, None, None, "succeeded"),
    ]
    timeline = life["timeline"]
    assert timeline[0]["message"] == f"{file.host}:/srv/inbox/dumps/x.hprof ({file.size} bytes)"
    assert timeline[1]["message"] == "rule 7 v3"
    assert timeline[5]["message"] == f"retry of {first['id']}"
    assert timeline[4]["error_class"] == "network"
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)


def test_unknown_file_and_bad_cursor(client: TestClient) -> None:
    missing = client.get(f"{FILES}/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": "not_found", "message": "file event 'nope' not found"}
    }
    bad = client.get(FILES, params={"cursor": "garbage"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_cursor")
    too_many = client.get(FILES, params={"limit": 501})
    assert (too_many.status_code, too_many.json()["error"]["code"]) == (422, "invalid_request")


@pytest.mark.parametrize("path", [FILES, f"{FILES}/some-id"])
def test_file_events_need_a_reader_token(client: TestClient, db_url: str, path: str) -> None:
    assert client.get(path, headers={"Authorization": ""}).status_code == 401
    agent = client.get(path, headers=bearer(db_url, Role.agent, "web-01"))
    assert (agent.status_code, agent.json()["error"]["code"]) == (403, "forbidden")
