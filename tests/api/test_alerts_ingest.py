"""Alert receivers on SQLite and PostgreSQL: parsing, auth, limits, redelivery, concurrency."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.auth import find_token, revoke_token
from sluice.alerts import MAX_ALERTS, fingerprint
from sluice.settings import Settings
from store.db import make_engine
from store.models import Role
from tests.api.tokens import bearer, issue_token

WEBHOOK = "/api/v1/alerts/alertmanager"
POSTABLE = "/api/v2/alerts"
LABELS = {"alertname": "HighLoad", "instance": "web-01:9100", "severity": "critical"}
STARTED = "2026-12-06T05:00:00.123456789Z"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (LABELS, "b546cd4d5154316d"),
        ({"alertname": "a"}, "d258efc389808447"),
        ({"z": "ü", "a": "b"}, "ef263bdd0c673117"),
    ],
)
def test_fingerprint_is_alertmanagers(labels: dict[str, str], expected: str) -> None:
    assert fingerprint(labels) == expected  # as a real Alertmanager 0.25 reported them


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.alert_source, "am")) as test_client:
        test_client.viewer = bearer(db_url, Role.viewer)  # type: ignore[attr-defined]
        yield test_client


def webhook(status: str = "firing", ends: str = "0001-01-01T00:00:00Z", **extra: Any) -> Any:
    alert = {"status": status, "labels": LABELS, "annotations": {"summary": "load"},
             "startsAt": STARTED, "endsAt": ends, "generatorURL": "http://prom/graph",
             "fingerprint": "b546cd4d5154316d"}  # fmt: skip
    return {"version": "4", "groupKey": '{}:{alertname="HighLoad"}', "truncatedAlerts": 0,
            "status": status, "receiver": "sluice", "groupLabels": {"alertname": "HighLoad"},
            "commonLabels": LABELS, "commonAnnotations": {}, "externalURL": "http://am",
            "alerts": [alert]} | extra  # fmt: skip


def detail(client: TestClient, fp: str = "b546cd4d5154316d") -> Any:
    response = client.get(f"/api/v1/alerts/{fp}", headers=client.viewer)  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    return response.json()


def test_webhook_firing_then_resolved_with_redeliveries(client: TestClient) -> None:
    for _ in range(2):
        response = client.post(WEBHOOK, json=webhook())
        assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "deduplicated": 1}
    resolved = webhook("resolved", "2026-12-06T05:10:00Z")
    assert client.post(WEBHOOK, json=resolved).json() == {"received": 1, "deduplicated": 0}
    assert client.post(WEBHOOK, json=resolved).json() == {"received": 1, "deduplicated": 1}
    alert = detail(client)
    assert (alert["status"], alert["severity"], alert["source"]) == (
        "resolved", "critical", "alertmanager"
    )  # fmt: skip
    assert (alert["received"], alert["deduplicated"]) == (4, 2)
    assert alert["ends_at"].startswith("2026-12-06T05:10:00")
    assert alert["starts_at"].startswith("2026-12-06T05:00:00.123456")
    assert [e["kind"] for e in alert["events"]] == ["firing", "resolved"]
    assert alert["events"][0]["detail"]["receiver"] == "sluice"
    assert alert["events"][0]["detail"]["sender"] == "am"
    assert len(alert["events"][0]["delivery_id"]) == 32


def test_a_new_occurrence_fires_again_and_a_stale_firing_does_not(client: TestClient) -> None:
    client.post(WEBHOOK, json=webhook())
    client.post(WEBHOOK, json=webhook("resolved", "2026-12-06T05:10:00Z"))
    assert client.post(WEBHOOK, json=webhook()).json()["deduplicated"] == 1  # a late retry
    again = webhook()
    again["alerts"][0]["startsAt"] = "2026-12-06T06:00:00Z"
    assert client.post(WEBHOOK, json=again).json()["deduplicated"] == 0
    assert [e["kind"] for e in detail(client)["events"]] == ["firing", "resolved", "firing"]


def test_truncated_alerts_are_recorded(client: TestClient) -> None:
    assert client.post(WEBHOOK, json=webhook(truncatedAlerts=3)).status_code == 200
    assert detail(client)["events"][0]["detail"]["truncated_alerts"] == 3


def test_changed_annotations_are_an_update(client: TestClient) -> None:
    client.post(WEBHOOK, json=webhook())
    changed = webhook()
    changed["alerts"][0]["annotations"] = {"summary": "higher"}
    client.post(WEBHOOK, json=changed)
    alert = detail(client)
    assert [e["kind"] for e in alert["events"]] == ["firing", "updated"]
    assert alert["annotations"] == {"summary": "higher"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (webhook(version="3"), 'version: Sluice accepts webhook version "4", got "3"'),
        ({"alerts": []}, "version: Sluice accepts"),
        (webhook(status="bad"), "status"),
        ([1], "body"),
    ],
)
def test_malformed_webhooks_are_400_with_the_reason(
    client: TestClient, body: Any, reason: str
) -> None:
    response = client.post(WEBHOOK, json=body)
    assert response.status_code == 400, response.text
    assert reason in response.json()["error"]["message"]


def test_a_new_group_is_listed_with_its_alerts_counted_before_its_first_flush(
    client: TestClient,
) -> None:
    """No worker runs here: the counts are the delivery's own (they read "0 of 0" until the
    group's first flush, up to group_wait later)."""
    down = [{"labels": {"alertname": "Down", "instance": f"web-{n}"}} for n in range(3)]
    gone = {"labels": {"alertname": "Gone"}, "endsAt": "2026-01-01T00:00:00Z"}
    assert client.post(POSTABLE, json=[*down, down[0], gone]).is_success
    listed = client.get("/api/v1/alert-groups", headers=client.viewer)  # type: ignore[attr-defined]
    counts = {
        group["group_labels"]["alertname"]: (group["status"], group["firing"], group["resolved"])
        for group in listed.json()["items"]
    }
    assert counts == {"Down": ("firing", 3, 0), "Gone": ("resolved", 0, 1)}


def test_one_bad_alert_refuses_the_whole_delivery(client: TestClient) -> None:
    bad: dict[str, Any]
    good = {"labels": {"alertname": "ok"}}
    for bad in ({"labels": {"0bad": "x"}}, {"labels": {}}, {"labels": {"a": "x" * 5000}},
                {"labels": {"a": "b"}, "startsAt": "yesterday"},
                {"labels": {"severity": "x" * 257}}):  # fmt: skip
        response = client.post(POSTABLE, json=[good, bad])
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"]["message"].startswith("1.")
    for surrogate in (b'{"a": "\\ud800"}', b'{"\\ud800": "a"}'):
        body = b'[{"labels": {"alertname": "x"}, "annotations": ' + surrogate + b"}]"
        refused = client.post(POSTABLE, content=body)  # by the API's body check, as NUL is
        assert refused.status_code == 422 and "lone surrogate" in refused.text, body
    assert client.post(POSTABLE, content=b"{not json").status_code == 400
    listed = client.get("/api/v1/alerts", headers=client.viewer)  # type: ignore[attr-defined]
    assert listed.json()["items"] == []


def test_oversized_batches_are_413(client: TestClient) -> None:
    alerts = [{"labels": {"alertname": "a", "n": str(n)}} for n in range(MAX_ALERTS + 1)]
    response = client.post(POSTABLE, json=alerts)
    assert response.status_code == 413, response.text
    assert (
        response.json()["error"]["message"]
        == f"at most {MAX_ALERTS} alerts per delivery, got {MAX_ALERTS + 1}"
    )
    assert client.post(WEBHOOK, json=webhook(alerts=[{}] * (MAX_ALERTS + 1))).status_code == 413
    assert client.post(POSTABLE, json=alerts[:MAX_ALERTS]).json()["received"] == MAX_ALERTS


def test_postable_status_comes_from_ends_at(client: TestClient) -> None:
    now = datetime.now(UTC)
    future, past = (
        (now + timedelta(minutes=4)).isoformat(),
        (now - timedelta(seconds=1)).isoformat(),
    )
    labels = {"alertname": "Up"}
    fp = fingerprint(labels)
    assert client.post(POSTABLE, json=[{"labels": labels, "endsAt": future}]).status_code == 200
    later = (now + timedelta(minutes=5)).isoformat()
    assert client.post(POSTABLE, json=[{"labels": labels, "endsAt": later}]).json() == {
        "received": 1,
        "deduplicated": 1,
    }  # fmt: skip  (a resend only moves endsAt)
    alert = detail(client, fp)
    assert (alert["status"], alert["ends_at"], alert["source"]) == ("firing", None, "prometheus")
    client.post(POSTABLE, json=[{"labels": labels, "endsAt": past}])
    alert = detail(client, fp)
    assert alert["status"] == "resolved" and alert["ends_at"] is not None
    assert [e["kind"] for e in alert["events"]] == ["firing", "resolved"]


def test_auth_bearer_basic_and_roles(client: TestClient, db_url: str) -> None:
    body = webhook()
    assert client.post(WEBHOOK, json=body, headers={"Authorization": ""}).status_code == 401
    bad = {"Authorization": "Bearer sluice_nope"}
    assert client.post(POSTABLE, json=[], headers=bad).status_code == 401
    for role, status in ((Role.viewer, 403), (Role.operator, 403), (Role.agent, 403),
                         (Role.admin, 200)):  # fmt: skip
        assert client.post(WEBHOOK, json=body, headers=bearer(db_url, role)).status_code == status
    token = issue_token(db_url, Role.alert_source, "am-basic")
    basic = base64.b64encode(f"alertmanager:{token}".encode()).decode()
    as_basic = {"Authorization": f"Basic {basic}"}
    assert client.post(WEBHOOK, json=body, headers=as_basic).status_code == 200
    wrong = base64.b64encode(b"alertmanager:sluice_wrong").decode()
    assert (
        client.post(WEBHOOK, json=body, headers={"Authorization": f"Basic {wrong}"}).status_code
        == 401
    )
    # An alert source may not read or do anything else.
    assert client.get("/api/v1/alerts").status_code == 403
    assert client.get("/api/v1/tasks").status_code == 403


def test_a_source_is_authenticated_before_its_body_and_a_revoke_holds_at_once(
    client: TestClient, db_url: str
) -> None:
    """The receivers check the token in the delivery's own transaction (one connection)."""
    bad = {"Authorization": "Bearer sluice_nope"}
    assert client.post(WEBHOOK, content=b"not json", headers=bad).status_code == 401
    viewer = bearer(db_url, Role.viewer)
    assert client.post(POSTABLE, content=b"not json", headers=viewer).status_code == 403
    token = issue_token(db_url, Role.alert_source, "am-revoked")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(WEBHOOK, json=webhook(), headers=headers).status_code == 200
    engine = make_engine(db_url)
    with Session(engine) as session:
        row = find_token(session, token)
        assert row is not None and row.last_used_at is not None  # its use recorded
        assert revoke_token(session, token_id=row.id, actor="test") is not None  # type: ignore[arg-type]
    engine.dispose()
    assert client.post(WEBHOOK, json=webhook(), headers=headers).status_code == 401
    assert client.post(POSTABLE, json=[], headers=headers).status_code == 401


def test_concurrent_deliveries_of_one_alert(client: TestClient) -> None:
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(lambda _: client.post(WEBHOOK, json=webhook()).status_code, range(16))
        )
    assert codes == [200] * 16
    alert = detail(client)
    assert (alert["received"], alert["deduplicated"]) == (16, 15)
    assert [e["kind"] for e in alert["events"]] == ["firing"]


def test_metrics_count_received_deduplicated_and_rejected(client: TestClient) -> None:
    client.post(WEBHOOK, json=webhook())
    client.post(WEBHOOK, json=webhook())
    client.post(WEBHOOK, json=webhook(version="2"))
    text = client.get("/metrics").text
    assert 'sluice_alerts_received_total{source="alertmanager"} 2.0' in text
    assert 'sluice_alerts_deduplicated_total{source="alertmanager"} 1.0' in text
    assert 'sluice_alerts_rejected_total{reason="version"} 1.0' in text


def postable(n: int, *, offset: int = 0, summary: str = "s", **labels: str) -> list[Any]:
    return [
        {"labels": {"alertname": "Many", "n": str(offset + i), **labels},
         "annotations": {"summary": summary}, "startsAt": STARTED}
        for i in range(n)
    ]  # fmt: skip


def test_a_delivery_of_new_known_and_changed_alerts_is_written_as_a_batch(
    client: TestClient,
) -> None:
    assert client.post(POSTABLE, json=postable(5)).json() == {"received": 5, "deduplicated": 0}
    # 0-4 known (2-4 now changed), 5-7 new, in reverse order
    mixed = [*postable(2), *postable(3, offset=2, summary="changed"), *postable(3, offset=5)]
    answer = client.post(POSTABLE, json=mixed[::-1]).json()
    assert answer == {"received": 8, "deduplicated": 2}
    for i, kinds in [(0, ["firing"]), (3, ["firing", "updated"]), (6, ["firing"])]:
        alert = detail(client, fingerprint({"alertname": "Many", "n": str(i)}))
        assert [e["kind"] for e in alert["events"]] == kinds
        assert alert["received"] == (2 if i < 5 else 1)
    # The same alert twice in one delivery: applied in turn, the second a duplicate.
    twice = client.post(POSTABLE, json=[*postable(1, offset=9), *postable(1, offset=9)]).json()
    assert twice == {"received": 2, "deduplicated": 1}


def test_overlapping_deliveries_in_any_order_neither_deadlock_nor_lose_a_count(
    client: TestClient,
) -> None:
    batches = [postable(40, offset=(i % 4) * 10)[:: 1 if i % 2 else -1] for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda b: client.post(POSTABLE, json=b).status_code, batches))
    assert codes == [200] * 16
    received = {
        n: detail(client, fingerprint({"alertname": "Many", "n": str(n)}))["received"]
        for n in range(70)
    }
    assert sum(received.values()) == 16 * 40  # every report counted once
    assert received[0] == 4 and received[35] == 16


def test_deliveries_are_data_not_audited_administration(client: TestClient, db_url: str) -> None:
    assert client.post(WEBHOOK, json=webhook()).status_code == 200
    audit = client.get("/api/v1/audit-logs", headers=bearer(db_url, Role.admin))
    assert audit.status_code == 200
    assert {row["action"] for row in audit.json()["items"]} == {"token.create"}  # the tests'
