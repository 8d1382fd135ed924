"""Reading alerts on SQLite and PostgreSQL: filters, label matchers, keyset pages, detail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import alerts as alert_service
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer

ALERTS = "/api/v1/alerts"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.viewer)) as test_client:
        source = bearer(db_url, Role.alert_source)
        alerts = [
            {"labels": {"alertname": f"A{n}", "job": "node" if n % 2 else "api",
                        "severity": "critical" if n < 3 else "warning"}}
            for n in range(7)
        ]  # fmt: skip
        for alert in alerts:  # one delivery each: distinct last_seen_at, newest last
            assert test_client.post("/api/v2/alerts", json=[alert], headers=source).is_success
        resolved = {"labels": {"alertname": "Gone"}, "endsAt": "2026-01-01T00:00:00Z"}
        assert test_client.post("/api/v2/alerts", json=[resolved], headers=source).is_success
        yield test_client


def names(client: TestClient, **params: Any) -> list[str]:
    response = client.get(ALERTS, params=params)
    assert response.status_code == 200, response.text
    return [item["labels"]["alertname"] for item in response.json()["items"]]


def test_filters(client: TestClient) -> None:
    assert names(client) == ["Gone", "A6", "A5", "A4", "A3", "A2", "A1", "A0"]
    assert names(client, status="resolved") == ["Gone"]
    assert names(client, severity="critical") == ["A2", "A1", "A0"]
    assert names(client, source="prometheus", status="firing")[:1] == ["A6"]
    assert names(client, source="alertmanager") == []
    assert names(client, match=["job=node"]) == ["A5", "A3", "A1"]
    assert names(client, match=["job!=node", "alertname=~A[0-4]"]) == ["A4", "A2", "A0"]
    assert names(client, match=["alertname!~A.*"]) == ["Gone"]
    assert names(client, seen_from="2999-01-01T00:00:00") == []


def test_an_unknown_status_is_refused_with_the_choices(client: TestClient) -> None:
    response = client.get(ALERTS, params={"status": "firng"})
    assert response.status_code == 422
    assert "'firing' or 'resolved'" in response.json()["error"]["message"]


def test_keyset_pages_cover_every_alert_once(client: TestClient) -> None:
    for params in ({}, {"match": ["job=~.+"]}):
        seen, cursor = [], None
        while True:
            after: dict[str, str] = {"cursor": cursor} if cursor else {}
            page = client.get(ALERTS, params={**params, **after, "limit": 2}).json()
            seen += [item["fingerprint"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == (8 if not params else 7)


def test_matcher_pages_examine_a_bounded_window(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_service, "SCAN_ROWS", 3)
    monkeypatch.setattr(alert_service, "CHUNK", 2)
    pages, cursor = [], None
    while True:
        after: dict[str, str] = {"cursor": cursor} if cursor else {}
        page = client.get(ALERTS, params={"match": ["job=node"], "limit": 5, **after}).json()
        pages.append([item["labels"]["alertname"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Newest first: Gone A6 A5 | A4 A3 A2 | A1 A0, three alerts examined per page.
    assert pages == [["A5"], ["A3"], ["A1"]]


def test_bad_matchers_and_cursors_are_422(client: TestClient) -> None:
    for match in ("job", "0job=x", "job=~(", "job=~(?=x)"):
        response = client.get(ALERTS, params={"match": [match]})
        assert response.status_code == 422, (match, response.text)
        assert response.json()["error"]["code"] == "invalid_matcher"
    assert client.get(ALERTS, params={"match": ["a=b"] * 21}).status_code == 422
    assert client.get(ALERTS, params={"cursor": "nope"}).status_code == 422


def test_detail_and_404(client: TestClient) -> None:
    listed = client.get(ALERTS, params={"status": "resolved"}).json()["items"][0]
    alert = client.get(f"{ALERTS}/{listed['fingerprint']}").json()
    assert [(e["kind"], e["source"]) for e in alert["events"]] == [("resolved", "prometheus")]
    assert client.get(f"{ALERTS}/0000000000000000").status_code == 404
