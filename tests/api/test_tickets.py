"""Tickets through the API on SQLite and PostgreSQL: create, list with filters and keyset
pages, the state machine's refusals, assign, comments, the merged timeline, who may write,
audit rows, and a ticket's change standing when Temporal is away."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.app import create_app
from sluice.settings import Settings
from store.db import make_engine
from store.models import (
    Alert,
    AlertEvent,
    AlertGroup,
    AlertGroupMember,
    AuditLog,
    Role,
    Ticket,
)
from tests.api.tokens import bearer
from tests.fixtures.database import free_port

TICKETS = "/api/v1/tickets"
T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Nothing listens on this port: Temporal is away for every test here.
    return Settings.model_validate(
        {"database_url": db_url, "temporal": {"address": f"127.0.0.1:{free_port()}"},
         "tickets": {"deadlines": {"P1": {"respond": 600, "resolve": 7200}}}}
    )  # fmt: skip


@pytest.fixture
def client(settings: Settings, db_url: str) -> Iterator[TestClient]:
    with Session(make_engine(db_url)) as session:
        session.add(AlertGroup(id="g-down", route="ops", group_labels={"alertname": "Down"}))
        session.add(Alert(fingerprint="fp-a", labels={"alertname": "Down", "instance": "a"},
                          starts_at=T0, severity="critical"))  # fmt: skip
        session.add(AlertGroupMember(group_id="g-down", fingerprint="fp-a"))
        session.add(AlertEvent(fingerprint="fp-a", kind="firing", status="firing", at=T0,
                               source="prometheus"))  # fmt: skip
        session.commit()
    with TestClient(create_app(settings), headers=bearer(db_url, Role.operator, "olga")) as c:
        yield c


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(TICKETS, json={"title": "disk full", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_ticket_is_created_with_its_deadlines_and_the_token_as_author(
    client: TestClient,
) -> None:
    made = create(client, priority="P1", description="**df** says 100%", assignee="ann")
    assert made["id"] == f"T-{made['number']}" and made["status"] == "open"
    assert made["created_by"] == "olga" and made["assignee"] == "ann"
    created = datetime.fromisoformat(made["created_at"])
    assert datetime.fromisoformat(made["respond_by"]) - created == timedelta(minutes=10)
    assert datetime.fromisoformat(made["resolve_by"]) - created == timedelta(hours=2)
    default = create(client)
    assert default["priority"] == "P3"
    due = datetime.fromisoformat(default["resolve_by"]) - datetime.fromisoformat(
        default["created_at"]
    )
    assert due == timedelta(hours=72)
    shown = client.get(f"{TICKETS}/{made['id']}").json()
    assert shown["description"] == "**df** says 100%"
    assert [(e["source"], e["kind"], e["actor"]) for e in shown["timeline"]] == [
        ("ticket", "created", "olga")
    ]
    assert client.get(f"{TICKETS}/{made['number']}").json()["id"] == made["id"]


@pytest.mark.parametrize(
    "body",
    [{"title": ""}, {"title": "x" * 201}, {"title": "t", "priority": "P5"},
     {"title": "t", "description": "d" * 20_001}, {"title": "t", "group_id": ""},
     {"title": "t", "created_by": "mallory"}],
)  # fmt: skip
def test_bad_bodies_are_refused_clearly(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post(TICKETS, json=body)
    if "created_by" in body:  # not a field: the author is the token, whatever the body says
        assert response.status_code == 201 and response.json()["created_by"] == "olga"
        return
    assert response.status_code == 422, response.text


def test_unknown_tickets_and_groups_are_404(client: TestClient) -> None:
    for ticket_id in ("T-999", "T-0", "nope", "T-99999999999"):
        assert client.get(f"{TICKETS}/{ticket_id}").status_code == 404
        assert client.post(f"{TICKETS}/{ticket_id}:ack").status_code == 404
    assert client.post(TICKETS, json={"title": "t", "group_id": "g-nope"}).status_code == 404
    assert client.post("/api/v1/alert-groups/g-nope:ticket", json={}).status_code == 404


def test_the_state_machine_refuses_with_a_reason_and_stamps_times(client: TestClient) -> None:
    ticket = create(client)["id"]
    refused = client.post(f"{TICKETS}/{ticket}:reopen")
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        "cannot reopen a ticket that is open (it may: ack, close, resolve, start)"
    )
    acked = client.post(f"{TICKETS}/{ticket}:ack").json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_at"] is not None
    assert acked["group_update"] is None  # no group
    assert client.post(f"{TICKETS}/{ticket}:ack").status_code == 409
    assert client.post(f"{TICKETS}/{ticket}:start").json()["status"] == "in_progress"
    resolved = client.post(f"{TICKETS}/{ticket}:resolve").json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    assert resolved["acknowledged_at"] == acked["acknowledged_at"]
    closed = client.post(f"{TICKETS}/{ticket}:close").json()
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert client.post(f"{TICKETS}/{ticket}:start").status_code == 409
    reopened = client.post(f"{TICKETS}/{ticket}:reopen").json()
    assert reopened["status"] == "open" and reopened["resolved_at"] is None
    assert reopened["closed_at"] is None
    assert reopened["acknowledged_at"] is None  # reopened: a new response is owed
    assert reopened["respond_by"] > acked["respond_by"]
    timeline = client.get(f"{TICKETS}/{ticket}").json()["timeline"]
    moves = [
        (e["detail"]["from"], e["detail"]["to"]) for e in timeline if e["kind"] == "status_changed"
    ]
    assert moves == [
        ("open", "acknowledged"), ("acknowledged", "in_progress"), ("in_progress", "resolved"),
        ("resolved", "closed"), ("closed", "open"),
    ]  # fmt: skip


def test_assign_and_comments_are_by_the_token_and_in_the_timeline(client: TestClient) -> None:
    ticket = create(client)["id"]
    assigned = client.post(f"{TICKETS}/{ticket}:assign", json={"to": "bob", "by": "mallory"})
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "bob"
    said = client.post(f"{TICKETS}/{ticket}/comments", json={"body": "looking at `/var`"})
    assert said.status_code == 201 and said.json()["author"] == "olga"
    assert client.post(f"{TICKETS}/{ticket}/comments", json={"body": ""}).status_code == 422
    shown = client.get(f"{TICKETS}/{ticket}").json()
    assert [c["body"] for c in shown["comments"]] == ["looking at `/var`"]
    assert [(e["source"], e["kind"], e["actor"]) for e in shown["timeline"]] == [
        ("ticket", "created", "olga"), ("ticket", "assigned", "olga"),
        ("comment", "comment", "olga"),
    ]  # fmt: skip
    assert shown["timeline"][1]["detail"] == {"from": "", "to": "bob"}


def test_the_list_filters_and_pages_newest_first(client: TestClient) -> None:
    wanted = [("P1", "ann"), ("P2", ""), ("P1", "bob"), ("P3", "ann"), ("P1", "ann")]
    made = [create(client, priority=p, assignee=a)["id"] for p, a in wanted]
    client.post(f"{TICKETS}/{made[0]}:ack")

    def ids(**params: Any) -> list[str]:
        response = client.get(TICKETS, params=params)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert ids() == made[::-1]
    assert ids(priority="P1") == [made[4], made[2], made[0]]
    assert ids(priority="P1", assignee="ann") == [made[4], made[0]]
    assert ids(assignee="") == [made[1]]
    assert ids(status="acknowledged") == [made[0]]
    seen, cursor = [], None
    while True:
        page = client.get(TICKETS, params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        body = page.json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]
    for params in ({"cursor": "garbage"}, {"priority": "P7"}, {"limit": 0}, {"status": "OPEN;"}):
        assert client.get(TICKETS, params=params).status_code == 422


def test_a_group_ticket_merges_the_groups_alert_events_and_stands_without_temporal(
    client: TestClient, db_url: str
) -> None:
    first = client.post("/api/v1/alert-groups/g-down:ticket", json={"priority": "P2"})
    assert first.status_code == 201, first.text
    ticket = first.json()
    assert ticket["title"] == "alertname=Down" and ticket["group_id"] == "g-down"
    again = client.post("/api/v1/alert-groups/g-down:ticket", json={"title": "other"})
    assert again.status_code == 200 and again.json()["id"] == ticket["id"]
    second = client.post(TICKETS, json={"title": "dup", "group_id": "g-down"})
    assert second.status_code == 409 and ticket["id"] in second.json()["error"]["message"]

    acked = client.post(f"{TICKETS}/{ticket['id']}:ack")
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    update = acked.json()["group_update"]
    assert update["update"] == "ack" and update["applied"] is False
    assert "Temporal" in update["reason"]
    shown = client.get(f"{TICKETS}/{ticket['id']}").json()
    assert shown["status"] == "acknowledged"  # the ticket's change stands
    kinds = [(e["source"], e["kind"]) for e in shown["timeline"]]
    assert kinds == [("alert", "firing"), ("ticket", "created"), ("ticket", "status_changed"),
                     ("ticket", "group_updated")]  # fmt: skip
    assert shown["timeline"][0]["fingerprint"] == "fp-a"
    assert shown["timeline"][-1]["detail"]["applied"] is False

    # Resolved, the group may have a new ticket; the old one may not be reopened beside it.
    assert client.post(f"{TICKETS}/{ticket['id']}:resolve").status_code == 200
    fresh = client.post("/api/v1/alert-groups/g-down:ticket", json={})
    assert fresh.status_code == 201 and fresh.json()["id"] != ticket["id"]
    reopen = client.post(f"{TICKETS}/{ticket['id']}:reopen")
    assert reopen.status_code == 409 and fresh.json()["id"] in reopen.json()["error"]["message"]
    assert client.get(f"{TICKETS}/{ticket['id']}").json()["status"] == "resolved"
    listed = client.get(TICKETS, params={"group_id": "g-down"}).json()["items"]
    assert [t["id"] for t in listed] == [fresh.json()["id"], ticket["id"]]


def test_a_viewer_reads_and_writes_are_audited(client: TestClient, db_url: str) -> None:
    ticket = create(client)["id"]
    client.post(f"{TICKETS}/{ticket}:ack")
    viewer = bearer(db_url, Role.viewer)
    assert client.get(f"{TICKETS}/{ticket}", headers=viewer).status_code == 200
    for path in (TICKETS, f"{TICKETS}/{ticket}:resolve", f"{TICKETS}/{ticket}/comments",
                 "/api/v1/alert-groups/g-down:ticket"):  # fmt: skip
        assert (
            client.post(path, json={"title": "t", "body": "b"}, headers=viewer).status_code == 403
        )
    assert client.get(f"{TICKETS}/{ticket}").json()["status"] == "acknowledged"
    with Session(make_engine(db_url)) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.resource_type == "ticket")).all()
    assert [(r.action, r.resource_id, r.actor) for r in rows] == [
        ("ticket.create", ticket, "olga"), ("ticket.ack", ticket, "olga")
    ]  # fmt: skip


def test_with_temporal_away_a_change_stands_and_waits_in_the_outbox(
    client: TestClient, db_url: str
) -> None:
    ticket = create(client, priority="P1")
    acked = client.post(f"{TICKETS}/{ticket['id']}:ack")
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    with Session(make_engine(db_url)) as session:
        row = session.get(Ticket, ticket["number"])
        assert row is not None and row.timer_pending  # the drain tells its workflow later
