"""Alert group decisions over a real database: who decided is the signed-in token's name,
never a name in the body (`by` is refused); `on_behalf_of` is bounded free text. Recording it
through the group's workflow is tested in tests/e2e/test_alert_groups.py and
tests/workflows/test_alert_group_escalation.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.settings import Settings, TemporalSettings
from tests.api.tokens import bearer
from tests.fixtures.database import free_port

GROUP = "/api/v1/alert-groups/alert-group-0123"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    temporal = TemporalSettings(address=f"127.0.0.1:{free_port()}")  # never reached here
    app = create_app(Settings(database_url=db_url, temporal=temporal))
    with TestClient(app, headers=bearer(db_url, name="carol")) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("ack", {"by": "mallory"}),
        ("unack", {"by": "mallory"}),
        ("assign", {"to": "dave", "by": "mallory"}),
        ("resolve", {"by": "mallory", "on_behalf_of": "ok"}),
    ],
)
def test_a_body_cannot_name_who_decided(
    client: TestClient, action: str, body: dict[str, str]
) -> None:
    response = client.post(f"{GROUP}:{action}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "body.by: Extra inputs are not permitted"


def test_on_behalf_of_is_bounded_and_a_missing_group_is_404(client: TestClient) -> None:
    long = client.post(f"{GROUP}:ack", json={"on_behalf_of": "x" * 201})
    assert long.status_code == 422
    missing = client.post(f"{GROUP}:ack", json={"on_behalf_of": "dave"})
    assert missing.status_code == 404  # a valid body reaches the group lookup
    assert client.post(f"{GROUP}:assign", json={"to": "dave"}).status_code == 404
