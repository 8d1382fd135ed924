"""Listing alert groups on SQLite and PostgreSQL: the status, route, assignee and acked
filters the console puts in its URL, hostile filter values, and who may decide."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from sluice.settings import Settings
from store.db import make_engine
from store.models import AlertGroup, Role
from tests.api.tokens import bearer

GROUPS = "/api/v1/alert-groups"
T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    rows = [
        AlertGroup(id="g-down", route="ops", group_labels={"alertname": "Down"}, firing=2,
                   assignee="dave", acked_by="carol", acked_until=T0 + timedelta(hours=1)),
        AlertGroup(id="g-slow", route="ops", group_labels={"alertname": "Slow"}, firing=1,
                   assignee="erin"),
        AlertGroup(id="g-disk", route="db", group_labels={"alertname": "Disk"}, firing=0,
                   resolved=1, status="resolved", acked_by="frank"),
    ]  # fmt: skip
    with Session(make_engine(db_url)) as session:
        for index, row in enumerate(rows):  # newest first: g-down, g-slow, g-disk
            row.updated_at = T0 - timedelta(minutes=index)
            session.add(row)
        session.commit()
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.viewer)) as test_client:
        yield test_client


def ids(client: TestClient, **params: Any) -> list[str]:
    response = client.get(GROUPS, params=params)
    assert response.status_code == 200, response.text
    return [group["id"] for group in response.json()["items"]]


def test_filters_combine(client: TestClient) -> None:
    assert ids(client) == ["g-down", "g-slow", "g-disk"]
    assert ids(client, status="firing") == ["g-down", "g-slow"]
    assert ids(client, route="db") == ["g-disk"]
    assert ids(client, assignee="erin") == ["g-slow"]
    assert ids(client, assignee="nobody") == []
    assert ids(client, acked="true") == ["g-down", "g-disk"]
    assert ids(client, acked="false") == ["g-slow"]
    assert ids(client, acked="true", status="firing", route="ops", assignee="dave") == ["g-down"]


def test_the_list_shows_what_the_console_needs(client: TestClient) -> None:
    [down] = client.get(GROUPS, params={"assignee": "dave"}).json()["items"]
    assert down["acked_by"] == "carol" and down["acked_until"].startswith("2026-12-06T13:00")
    assert (down["firing"], down["resolved"], down["escalation_step"]) == (2, 0, 0)
    assert down["group_labels"] == {"alertname": "Down"}


@pytest.mark.parametrize(
    "params",
    [
        {"acked": "maybe"},
        {"assignee": "x" * 201},
        {"limit": "0"},
        {"route": "r" * 101},
        {"status": "firng"},
    ],
)
def test_hostile_filters_are_refused_clearly(client: TestClient, params: dict[str, str]) -> None:
    response = client.get(GROUPS, params=params)
    assert response.status_code == 422, response.text


def test_a_viewer_reads_but_may_not_decide(client: TestClient) -> None:
    assert client.get(f"{GROUPS}/g-down").json()["assignee"] == "dave"
    assert client.get(f"{GROUPS}/g-nope").status_code == 404
    refused = client.post(f"{GROUPS}/g-down:assign", json={"to": "mallory"})
    assert refused.status_code == 403
    assert client.get(f"{GROUPS}/g-down").json()["assignee"] == "dave"
