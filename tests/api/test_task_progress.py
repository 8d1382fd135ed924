"""A task whose workflow Temporal does not know has no progress to show: 404, not a 503."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from sluice.settings import Settings, TemporalSettings
from store.models import Role, utcnow
from tests.api.seeding import seed_task
from tests.api.tokens import bearer


def test_progress_of_a_task_without_a_workflow_is_404(
    db_url: str, db_engine: Engine, temporal_address: str
) -> None:
    task_id = seed_task(db_engine, utcnow(), "running")  # recorded, but never started
    settings = Settings(database_url=db_url, temporal=TemporalSettings(address=temporal_address))
    with TestClient(create_app(settings), headers=bearer(db_url, Role.viewer)) as client:
        response = client.get(f"/api/v1/tasks/{task_id}/progress")
    assert response.status_code == 404, response.text
    assert "workflow of task" in response.json()["error"]["message"]
