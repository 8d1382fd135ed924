"""Host views with Temporal up but no `sluice worker` on the task queue: nothing would run the
host query, so the API says so at once (503 `no_worker`, naming what to start) instead of
waiting for the query to time out. Real Temporal dev server; no worker, by design."""

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.settings import Settings, TemporalSettings
from store.models import Role
from tests.api.tokens import bearer

AGENT = "web-07"


@pytest.fixture
def client(db_url: str, temporal_address: str) -> Iterator[TestClient]:
    queue = f"nobody-{uuid.uuid4().hex[:8]}"  # no worker has ever polled it
    settings = Settings(
        database_url=db_url, temporal=TemporalSettings(address=temporal_address, task_queue=queue)
    )
    with TestClient(create_app(settings), headers=bearer(db_url, Role.operator)) as test_client:
        agent = bearer(db_url, Role.agent, AGENT)
        registered = test_client.post(
            "/api/v1/agents/register", headers=agent,
            json={"id": AGENT, "hostname": "web-07.internal", "roots": ["/srv/logs"]},
        )  # fmt: skip
        assert registered.status_code == 200, registered.text
        yield test_client


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/agents/{AGENT}/files?path=/srv/logs",
        f"/api/v1/agents/{AGENT}/files/tail?path=/srv/logs/app.log",
        f"/api/v1/agents/{AGENT}/resources",
    ],
)
def test_a_host_view_without_a_worker_is_a_503_that_names_it(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "no_worker"
    assert "is `sluice worker` running?" in error["message"]
