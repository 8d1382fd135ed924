"""JSON webhook alert sources on SQLite and PostgreSQL: the admin's mapping CRUD (validated,
audited) and deliveries read through it, refused whole when a mapped field is missing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.alert_mapping import parse_path
from sluice.alerts import fingerprint
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer

SOURCES = "/api/v1/alert-sources"
HOOK = "/api/v1/alerts/webhook/zabbix"
MAPPING = {
    "alerts": "data.events",
    "label_fields": {"alertname": "trigger.name", "host": "event.tags.host"},
    "static_labels": {"team": "ops"},
    "severity": "trigger.priority",
    "summary": "trigger.name",
    "description": "message?",
    "status": "state",
    "resolved_values": ["OK"],
    "starts_at": "clock",
}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.admin, "admin")) as test_client:
        test_client.source = bearer(db_url, Role.alert_source, "zbx")  # type: ignore[attr-defined]
        test_client.operator = bearer(db_url, Role.operator)  # type: ignore[attr-defined]
        yield test_client


def event(state: Any = "PROBLEM", **extra: Any) -> dict[str, Any]:
    return {
        "trigger": {"name": "Disk full", "priority": "high"},
        "event": {"tags": {"host": "db-01"}},
        "state": state, "clock": 1796000000, "message": "/var at 99%",
    } | extra  # fmt: skip


def post(client: TestClient, body: Any) -> Any:
    return client.post(HOOK, json=body, headers=client.source)  # type: ignore[attr-defined]


LABELS = {"alertname": "Disk full", "host": "db-01", "team": "ops", "severity": "high"}


def test_paths_are_keys_and_indexes_only() -> None:
    assert parse_path("data.alerts[0][2].id?") == ("data", "alerts", 0, 2, "id")
    for bad in ("", "a..b", "a[x]", "a.b]", "x" * 300):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_a_mapped_webhook_fires_and_resolves_and_the_crud_is_audited(client: TestClient) -> None:
    created = client.post(SOURCES, json={"name": "zabbix", "mapping": MAPPING})
    assert created.status_code == 201, created.text
    assert created.json()["mapping"]["alerts"] == "data.events"

    response = post(client, {"data": {"events": [event()]}})
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "deduplicated": 0}
    fp = fingerprint(LABELS)
    alert = client.get(f"/api/v1/alerts/{fp}").json()
    assert alert["labels"] == LABELS
    assert (alert["status"], alert["severity"], alert["source"]) == (
        "firing",
        "high",
        "webhook:zabbix",
    )
    assert alert["annotations"] == {"summary": "Disk full", "description": "/var at 99%"}
    assert alert["starts_at"].startswith("2026-11-30T00:53:20")  # Unix seconds 1796000000

    assert post(client, {"data": {"events": [event("OK", message=None)]}}).status_code == 200
    alert = client.get(f"/api/v1/alerts/{fp}").json()
    assert alert["status"] == "resolved" and alert["ends_at"]
    assert [e["kind"] for e in alert["events"]] == ["firing", "resolved"]
    assert alert["events"][0]["detail"]["source_name"] == "zabbix"

    changed = client.put(f"{SOURCES}/zabbix", json={"enabled": False})
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert post(client, {"data": {"events": [event()]}}).status_code == 404
    assert client.delete(f"{SOURCES}/zabbix").status_code == 204
    assert client.get(f"{SOURCES}/zabbix").status_code == 404

    audit = client.get("/api/v1/audit-logs", params={"resource_type": "alert-source"}).json()
    actions = sorted(row["action"] for row in audit["items"] if row["actor"] == "admin")
    assert actions == ["alert-source.create", "alert-source.delete", "alert-source.update"]


def test_the_body_can_be_one_alert_with_a_labels_object(client: TestClient) -> None:
    mapping = {"labels": "tags", "summary": "title", "status": "status?"}
    assert client.post(SOURCES, json={"name": "zabbix", "mapping": mapping}).status_code == 201
    body = {"tags": {"alertname": "Up", "port": 22, "tls": True}, "title": "up"}
    assert post(client, body).status_code == 200
    labels = {"alertname": "Up", "port": "22", "tls": "true"}
    assert client.get(f"/api/v1/alerts/{fingerprint(labels)}").json()["status"] == "firing"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"data": {"events": [event(trigger={"priority": "high"})]}},
         "alert 0: label_fields.alertname: missing at `trigger.name`"),
        ({"data": {}}, "alerts: missing at `data.events`"),
        ({"data": {"events": {"a": 1}}}, "alerts: expected a list"),
        ({"data": {"events": [event(), event(state=["x"])]}}, "alert 1: status: expected text"),
        ({"data": {"events": [event(clock={"t": 1})]}}, "alert 0: starts_at: expected a time"),
        ({"data": {"events": [event(event={"tags": {"host": "x" * 5000}})]}}, "labels"),
    ],
)  # fmt: skip
def test_a_delivery_the_mapping_does_not_fit_is_400_and_stores_nothing(
    client: TestClient, body: Any, reason: str
) -> None:
    client.post(SOURCES, json={"name": "zabbix", "mapping": MAPPING})
    good = event(trigger={"name": "Other", "priority": "low"})
    body = dict(body)
    if isinstance(body.get("data", {}).get("events"), list):
        body["data"] = {"events": [good, *body["data"]["events"]]}
        reason = reason.replace("alert 0", "alert 1").replace("alert 1: status", "alert 2: status")
    response = post(client, body)
    assert response.status_code == 400, response.text
    assert reason in response.json()["error"]["message"]
    assert client.get("/api/v1/alerts").json()["items"] == []


def test_too_many_alerts_is_413(client: TestClient) -> None:
    client.post(SOURCES, json={"name": "zabbix", "mapping": MAPPING})
    assert post(client, {"data": {"events": [event()] * 1001}}).status_code == 413


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"name": "Bad Name", "mapping": MAPPING}, 422, "name"),
        ({"name": "zabbix", "mapping": {"alerts": "a..b", "static_labels": {"a": "b"}}}, 422,
         "not a path"),
        ({"name": "zabbix", "mapping": {"summary": "title"}}, 422, "needs labels"),
        ({"name": "zabbix", "mapping": {"label_fields": {"bad-name": "x"}}}, 422,
         "not a label name"),
        ({"name": "zabbix", "mapping": {"labels": "x", "script": "rm -rf /"}}, 422, "script"),
        (b'{"name": "zabbix", "mapping": {"static_labels": {"a": "\\ud800"}}}', 422,
         "static_labels.a"),
        (b'{"name": "zabbix", "mapping": {"labels": "a\\ud800"}}', 422, "surrogate"),
        (b'{"name": "zabbix", "description": "\\ud800", "mapping": {"labels": "x"}}', 422,
         "description"),
    ],
)  # fmt: skip
def test_a_bad_mapping_is_refused_on_save(
    client: TestClient, body: Any, status: int, text: str
) -> None:
    if isinstance(body, bytes):  # JSON escapes the client cannot encode
        response = client.post(SOURCES, content=body, headers={"Content-Type": "application/json"})
    else:
        response = client.post(SOURCES, json=body)
    assert response.status_code == status, response.text
    assert text in response.text
    assert client.get(SOURCES).json() == []


def test_only_admins_manage_sources_and_names_are_unique(client: TestClient) -> None:
    body = {"name": "zabbix", "mapping": MAPPING}
    forbidden = client.post(SOURCES, json=body, headers=client.operator)  # type: ignore[attr-defined]
    assert forbidden.status_code == 403
    assert client.post(SOURCES, json=body).status_code == 201
    assert client.post(SOURCES, json=body).status_code == 409
    assert post(client, {"data": {"events": []}}).json() == {"received": 0, "deduplicated": 0}
    unknown = client.post("/api/v1/alerts/webhook/nope", json={}, headers=client.source)  # type: ignore[attr-defined]
    assert unknown.status_code == 404
