"""Agents' log alerts at POST /api/v1/alerts/agent on SQLite and PostgreSQL: an agent token
only, labelled with the calling agent whatever the body says, refused whole when invalid."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.alerts import fingerprint
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer

AGENT = "/api/v1/alerts/agent"
ALERT = {"labels": {"alertname": "oom", "agent": "someone-else", "severity": "fatal"},
         "annotations": {"description": "OutOfMemoryError", "suppressed": "2"},
         "startsAt": "2026-12-06T05:00:00Z"}  # fmt: skip


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.agent, "host-1")) as test_client:
        test_client.viewer = bearer(db_url, Role.viewer)  # type: ignore[attr-defined]
        test_client.source = bearer(db_url, Role.alert_source)  # type: ignore[attr-defined]
        test_client.admin = bearer(db_url, Role.admin)  # type: ignore[attr-defined]
        yield test_client


def test_an_agents_alert_is_stored_under_its_own_id(client: TestClient) -> None:
    for _ in range(2):  # a resend after a lost answer changes nothing
        response = client.post(AGENT, json={"alerts": [ALERT]})
        assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "deduplicated": 1}
    fp = fingerprint(ALERT["labels"] | {"agent": "host-1"})  # type: ignore[operator]
    alert = client.get(f"/api/v1/alerts/{fp}", headers=client.viewer).json()  # type: ignore[attr-defined]
    assert alert["labels"]["agent"] == "host-1"
    assert (alert["source"], alert["severity"], alert["status"]) == ("agent", "fatal", "firing")
    assert alert["annotations"]["suppressed"] == "2"
    assert alert["events"][0]["detail"]["agent"] == "host-1"
    audit = client.get("/api/v1/audit-logs", headers=client.admin)  # type: ignore[attr-defined]
    assert audit.status_code == 200
    assert [r["action"] for r in audit.json()["items"] if r["actor"] == "host-1"] == []


def test_other_roles_and_bad_bodies_are_refused(client: TestClient) -> None:
    other = client.post(AGENT, json={"alerts": [ALERT]}, headers=client.source)  # type: ignore[attr-defined]
    assert other.status_code == 403
    for body in ([ALERT], {"alerts": [ALERT, {"labels": {"0bad": "x"}}]}, {"alerts": "x"}):
        response = client.post(AGENT, json=body)
        assert response.status_code == 400, (body, response.text)
    assert client.post(AGENT, json={"alerts": [ALERT] * 1001}).status_code == 413
    listed = client.get("/api/v1/alerts", headers=client.viewer)  # type: ignore[attr-defined]
    assert listed.json()["items"] == []


def test_a_resolution_from_a_host_whose_clock_runs_ahead_resolves_at_once(
    client: TestClient,
) -> None:
    """The agent sets `endsAt` only to resolve; its clock may be minutes ahead of ours."""
    assert client.post(AGENT, json={"alerts": [ALERT]}).status_code == 200
    ahead = {**ALERT, "endsAt": (datetime.now(UTC) + timedelta(minutes=7)).isoformat()}
    assert client.post(AGENT, json={"alerts": [ahead]}).status_code == 200
    fp = fingerprint(ALERT["labels"] | {"agent": "host-1"})  # type: ignore[operator]
    alert = client.get(f"/api/v1/alerts/{fp}", headers=client.viewer).json()  # type: ignore[attr-defined]
    assert alert["status"] == "resolved"
    ended = datetime.fromisoformat(alert["ends_at"])
    assert ended <= datetime.now(UTC)  # our time, not the host's
