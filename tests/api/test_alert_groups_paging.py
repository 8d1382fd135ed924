"""Alert groups on SQLite and PostgreSQL: keyset pages while groups change, forged cursors,
and the groups an alert's detail names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from api.app import create_app
from api.services.keyset import encode_cursor
from sluice.settings import Settings
from store.models import Alert, AlertGroup, AlertGroupMember, Role
from tests.api.tokens import bearer

GROUPS = "/api/v1/alert-groups"
T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
COUNT = 250


@pytest.fixture
def client(db_url: str, db_engine: Engine) -> Iterator[TestClient]:
    with Session(db_engine) as session:
        for n in range(COUNT):  # five groups share each time: the id breaks the tie
            session.add(
                AlertGroup(id=f"g-{n:03d}", route="ops" if n % 3 else "db",
                           status="resolved" if n % 5 == 0 else "firing",
                           updated_at=T0 - timedelta(seconds=n // 5))
            )  # fmt: skip
        session.commit()
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.viewer)) as test_client:
        yield test_client


def page(client: TestClient, cursor: str | None, **params: Any) -> dict[str, Any]:
    after = {"cursor": cursor} if cursor else {}
    response = client.get(GROUPS, params={**params, **after})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def touch(engine: Engine, *group_ids: str, at: datetime) -> None:
    """What the group workflow's activities do when a group changes."""
    with Session(engine) as session:
        session.execute(
            update(AlertGroup).where(col(AlertGroup.id).in_(group_ids)).values(updated_at=at)
        )
        session.commit()


@pytest.mark.parametrize("params", [{}, {"status": "firing"}, {"route": "ops"}])
def test_a_pass_visits_each_group_once_in_order(client: TestClient, params: dict[str, str]) -> None:
    seen: list[tuple[str, str]] = []
    cursor: str | None = None
    pages = 0
    while True:
        body = page(client, cursor, limit=40, **params)
        seen += [(group["updated_at"], group["id"]) for group in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    expected = [
        f"g-{n:03d}" for n in range(COUNT)
        if (params.get("status") != "firing" or n % 5) and (params.get("route") != "ops" or n % 3)
    ]  # fmt: skip
    assert sorted(group_id for _, group_id in seen) == sorted(expected)
    assert len({group_id for _, group_id in seen}) == len(seen)
    assert seen == sorted(seen, reverse=True)  # most recently changed first, id breaks ties
    assert pages == -(-len(expected) // 40)  # no trailing empty page when it divides evenly


def test_groups_changing_during_a_pass_are_never_shown_twice(
    client: TestClient, db_engine: Engine
) -> None:
    first = page(client, None, limit=100)
    shown = [group["id"] for group in first["items"]]
    # Between pages, two shown groups and two not yet shown change: all jump ahead.
    changed_seen, changed_unseen = ["g-000", "g-050"], ["g-150", "g-249"]
    touch(db_engine, *changed_seen, *changed_unseen, at=T0 + timedelta(minutes=1))
    cursor = first["next_cursor"]
    while cursor is not None:
        body = page(client, cursor, limit=100)
        shown += [group["id"] for group in body["items"]]
        cursor = body["next_cursor"]
    assert len(shown) == len(set(shown))  # no duplicates within the pass
    unchanged = {f"g-{n:03d}" for n in range(COUNT)} - set(changed_seen) - set(changed_unseen)
    assert unchanged <= set(shown)  # every group that did not change is shown
    assert not set(changed_unseen) & set(shown)  # they moved ahead of the pass …
    again = page(client, None, limit=4)["items"]  # … and a new pass shows them first
    assert {group["id"] for group in again} == set(changed_seen) | set(changed_unseen)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        encode_cursor(T0, "x" * 500),
        encode_cursor(T0, "nul\x00key"),  # PostgreSQL text cannot hold it
        "eyJhIjogMX0",  # {"a": 1}
        "W10",  # []
        "x" * 600,
    ],
)
def test_a_forged_cursor_is_a_clear_422(client: TestClient, cursor: str) -> None:
    response = client.get(GROUPS, params={"cursor": cursor})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_an_alert_names_its_groups(client: TestClient, db_engine: Engine) -> None:
    with Session(db_engine) as session:
        session.add(Alert(fingerprint="f1", labels={"alertname": "Down"}))
        session.add(Alert(fingerprint="f2", labels={"alertname": "Alone"}))
        session.add(AlertGroupMember(group_id="g-007", fingerprint="f1", notified="firing"))
        session.add(AlertGroupMember(group_id="g-001", fingerprint="f1"))
        session.add(AlertGroupMember(group_id="g-002", fingerprint="f9"))
        session.commit()
    detail = client.get("/api/v1/alerts/f1").json()
    assert [(g["id"], g["route"], g["status"]) for g in detail["groups"]] == [
        ("g-001", "ops", "firing"),  # the most recently changed first
        ("g-007", "ops", "firing"),
    ]
    assert client.get("/api/v1/alerts/f2").json()["groups"] == []
