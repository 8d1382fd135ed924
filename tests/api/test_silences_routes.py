"""Silences over a real database: create, edit, expire, from an alert, state and label filters,
recurring windows, refusals that name what is wrong, and roles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer

SILENCES = "/api/v1/silences"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.operator, "oncall")) as test_client:
        yield test_client


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(SILENCES, json={"comment": "maintenance", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def refused(client: TestClient, **body: Any) -> str:
    response = client.post(SILENCES, json={"comment": "x", **body})
    assert response.status_code == 422, response.text
    message: str = response.json()["error"]["message"]
    return message


def ids(client: TestClient, **params: Any) -> list[int]:
    response = client.get(SILENCES, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def test_create_get_edit_and_expire(client: TestClient) -> None:
    silence = create(
        client,
        matchers=['alertname="DiskFull"', "instance=~db-.*"],
        duration="2h",
        notify_on_expiry=True,
    )
    assert (silence["state"], silence["created_by"]) == ("active", "oncall")
    span = datetime.fromisoformat(silence["ends_at"]) - datetime.fromisoformat(silence["starts_at"])
    assert span == timedelta(hours=2) and silence["notify_on_expiry"] is True
    assert client.get(f"{SILENCES}/{silence['id']}").json() == silence

    edited = client.put(
        f"{SILENCES}/{silence['id']}",
        json={"matchers": ["instance=db-1"], "ends_at": later(hours=5), "comment": "longer"},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["matchers"], edited.json()["comment"]) == (["instance=db-1"], "longer")

    expired = client.post(f"{SILENCES}/{silence['id']}:expire")
    assert expired.status_code == 200 and expired.json()["state"] == "expired"
    assert client.post(f"{SILENCES}/{silence['id']}:expire").status_code == 409
    again = client.put(
        f"{SILENCES}/{silence['id']}",
        json={"matchers": ["a=b"], "duration": "1h", "comment": "x"},
    )
    assert again.status_code == 409
    assert client.get(f"{SILENCES}/999").status_code == 404
    assert client.post(f"{SILENCES}/999:expire").status_code == 404


def test_state_and_label_filters_newest_first_in_pages(client: TestClient) -> None:
    active = create(client, matchers=["team=db"], duration="1h")
    pending = create(client, matchers=["team=web"], starts_at=later(hours=1), duration="1h")
    ended = create(client, matchers=["team=~db|web"], duration="1h")
    client.post(f"{SILENCES}/{ended['id']}:expire")
    assert pending["state"] == "pending"

    assert ids(client) == [ended["id"], pending["id"], active["id"]]
    assert ids(client, state="active") == [active["id"]]
    assert ids(client, state="pending") == [pending["id"]]
    assert ids(client, state="expired") == [ended["id"]]
    assert ids(client, label=["team=db", "env=prod"]) == [ended["id"], active["id"]]
    first = client.get(SILENCES, params={"limit": 2}).json()
    assert first["next_offset"] == 2
    rest = client.get(SILENCES, params={"limit": 2, "offset": 2}).json()
    assert [i["id"] for i in rest["items"]] == [active["id"]] and rest["next_offset"] is None
    assert client.get(SILENCES, params={"state": "asleep"}).status_code == 422
    assert client.get(SILENCES, params={"label": ["nolabel"]}).status_code == 422

    # an expired pending silence never started: its span is empty, not negative
    client.post(f"{SILENCES}/{pending['id']}:expire")
    got = client.get(f"{SILENCES}/{pending['id']}").json()
    assert got["state"] == "expired" and got["starts_at"] <= got["ends_at"]


def test_recurring_windows_are_kept_and_checked(client: TestClient) -> None:
    recurrence = {"windows": ["Sat-Sun 02:00-04:00"], "timezone": "Asia/Shanghai"}
    silence = create(client, matchers=["job=backup"], duration="30d", recurrence=recurrence)
    assert silence["recurrence"] == recurrence
    bad_zone = refused(
        client, matchers=["a=b"], duration="1h", recurrence={"windows": [], "timezone": "Mars/X"}
    )
    assert "unknown timezone 'Mars/X'" in bad_zone
    bad_window = refused(
        client, matchers=["a=b"], duration="1h", recurrence={"windows": ["Someday 25:00-26:00"]}
    )
    assert bad_window.startswith("recurrence: windows.0")


def test_bad_input_is_a_clear_422(client: TestClient) -> None:
    assert "label matcher 'a=~('" in refused(client, matchers=["a=~("], duration="1h")
    assert "label matcher 'no operator'" in refused(client, matchers=["no operator"], duration="1h")
    assert "mute every alert" in refused(client, matchers=["a=~.*"], duration="1h")
    assert "either ends_at or duration" in refused(client, matchers=["a=b"])
    both = refused(client, matchers=["a=b"], duration="1h", ends_at=later(hours=1))
    assert "either ends_at or duration" in both
    assert "in the past" in refused(client, matchers=["a=b"], ends_at=later(hours=-1))
    assert "at most 366 days" in refused(client, matchers=["a=b"], duration="400d")
    assert "at most 366 days" in refused(client, matchers=["a=b"], duration=1e300)
    assert (
        client.post(SILENCES, json={"matchers": [], "duration": "1h", "comment": "x"}).status_code
        == 422
    )
    no_comment = client.post(SILENCES, json={"matchers": ["a=b"], "duration": "1h"})
    assert no_comment.status_code == 422 and "comment" in no_comment.json()["error"]["message"]
    assert client.get(SILENCES).json()["items"] == []
    far = {"matchers": ["a=b"], "starts_at": "9998-12-01T00:00:00Z", "duration": "366d"}
    late = client.post(SILENCES, json={**far, "comment": "x"})  # near the end of time: fine
    assert late.status_code == 201 and late.json()["state"] == "pending"


def test_silence_an_alert_on_its_labels(client: TestClient, db_url: str) -> None:
    source = bearer(db_url, Role.alert_source)
    alert = {"labels": {"alertname": "DiskFull", "instance": 'db-"1"', "severity": "warning"}}
    assert client.post("/api/v2/alerts", json=[alert], headers=source).is_success
    fingerprint = client.get("/api/v1/alerts").json()["items"][0]["fingerprint"]

    every = client.post(
        f"/api/v1/alerts/{fingerprint}:silence", json={"duration": "1h", "comment": "disk"}
    )
    assert every.status_code == 201, every.text
    assert every.json()["fingerprint"] == fingerprint
    assert len(every.json()["matchers"]) == 3
    chosen = client.post(
        f"/api/v1/alerts/{fingerprint}:silence",
        json={"labels": ["instance"], "duration": "1h", "comment": "disk"},
    ).json()
    assert chosen["matchers"] == ['instance="db-\\"1\\""']
    # the quoted value matches the alert's own value exactly
    own = ["alertname=DiskFull", 'instance=db-"1"', "severity=warning"]
    assert ids(client, label=own) == [chosen["id"], every.json()["id"]]
    assert ids(client, label=['instance=db-"1"']) == [chosen["id"]]
    assert ids(client, label=["instance=db-1"]) == []

    missing = client.post(
        f"/api/v1/alerts/{fingerprint}:silence",
        json={"labels": ["team"], "duration": "1h", "comment": "x"},
    )
    assert missing.status_code == 422 and "no label 'team'" in missing.json()["error"]["message"]
    unknown = client.post("/api/v1/alerts/nope:silence", json={"duration": "1h", "comment": "x"})
    assert unknown.status_code == 404


def test_viewers_read_but_may_not_silence(client: TestClient, db_url: str) -> None:
    silence = create(client, matchers=["a=b"], duration="1h")
    viewer = bearer(db_url, Role.viewer, "reader")
    assert client.get(SILENCES, headers=viewer).status_code == 200
    body = {"matchers": ["a=b"], "duration": "1h", "comment": "x"}
    denied = [
        client.post(SILENCES, json=body, headers=viewer),
        client.put(f"{SILENCES}/{silence['id']}", json=body, headers=viewer),
        client.post(f"{SILENCES}/{silence['id']}:expire", headers=viewer),
        client.post("/api/v1/alerts/x:silence", json=body, headers=viewer),
    ]
    assert [r.status_code for r in denied] == [403, 403, 403, 403]
    assert client.get(f"{SILENCES}/{silence['id']}").json()["state"] == "active"

    rows = client.get("/api/v1/audit-logs", params={"resource_type": "silence"}).json()["items"]
    assert [(r["action"], r["actor"]) for r in rows] == [("silence.create", "oncall")]
