"""Inputs at the edges on SQLite and PostgreSQL: extreme times and forged cursors are 422s
naming the parameter, never a 500 (an OverflowError or a DB overflow); so are NUL
characters, which PostgreSQL refuses in text, and lone surrogates, which neither database can
store."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.rules.windows import parse_window
from sluice.settings import Settings
from tests.api.edge_inputs import BAD_CURSORS
from tests.api.edge_inputs import EDGE_TIMES as EDGES
from tests.api.tokens import bearer

V1 = "/api/v1"
TIME_PARAMS = [
    ("/tasks", "created_from"),
    ("/tasks", "created_to"),
    ("/file-events", "detected_from"),
    ("/file-events", "detected_to"),
    ("/audit-logs", "since"),
    ("/dashboard", "from"),
]
PAGED = ("/tasks", "/file-events", "/audit-logs", "/tickets")


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_names(response: Any, status: int, code: str, fragment: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and fragment in error["message"], error


@pytest.mark.parametrize("edge", EDGES)
def test_times_past_the_range_are_422s_naming_the_parameter(client: TestClient, edge: str) -> None:
    for path, name in TIME_PARAMS:
        params = {name: edge}
        if name == "to":
            params["from"] = "2026-01-01T00:00:00Z"
        response = client.get(V1 + path, params=params)
        assert_names(response, 422, "invalid_request", f"query.{name}: ")
        assert "between 0002-01-01 and 9998-12-31" in response.text
    day = edge[:10]
    assert_names(
        client.get(f"{V1}/reports/daily", params={"date": day}),
        422,
        "invalid_request",
        "query.date",
    )


@pytest.mark.parametrize("edge", EDGES)
def test_rules_test_at_past_the_range_is_a_422(client: TestClient, edge: str) -> None:
    body = {"rel_path": "a/b.log", "size": 1, "agent_id": "web-01", "root": "/data", "at": edge}
    assert_names(client.post(f"{V1}/rules:test", json=body), 422, "invalid_request", "body.at")


def test_times_just_inside_the_range_answer(client: TestClient) -> None:
    for value in ("0002-01-01T00:00:00Z", "9998-12-31T23:59:59Z"):
        for path, name in TIME_PARAMS[:-1]:
            assert client.get(V1 + path, params={name: value}).status_code == 200
    assert client.get(f"{V1}/reports/daily", params={"date": "9998-12-31"}).status_code == 200
    body = {"rel_path": "a.log", "size": 1, "agent_id": "w", "root": "/d", "at": "9998-12-31"}
    assert client.post(f"{V1}/rules:test", json=body).status_code == 200


@pytest.mark.parametrize("cursor", BAD_CURSORS, ids=range(len(BAD_CURSORS)))
def test_every_forged_cursor_is_a_422(client: TestClient, cursor: str) -> None:
    for path in PAGED:
        response = client.get(V1 + path, params={"cursor": cursor})
        assert_names(response, 422, "invalid_cursor", "cursor: not a next_cursor from this API")


def test_nul_characters_are_422s_naming_where(client: TestClient) -> None:
    """PostgreSQL refuses NUL in text; it was a 500 from the driver there."""
    fragment = "NUL characters (\\u0000) are not accepted"
    response = client.get(f"{V1}/file-events", params={"path": "\x00"})
    assert_names(response, 422, "invalid_request", f"query: {fragment}")
    response = client.post(f"{V1}/tokens", json={"name": "\x00", "role": "viewer"})
    assert_names(response, 422, "invalid_request", f"body: {fragment}")
    response = client.post(f"{V1}/agents/heartbeat", json={"id": "\x00"})
    assert_names(response, 422, "invalid_request", f"body: {fragment}")
    literal = client.post(f"{V1}/tokens", json={"name": "\\u0000", "role": "viewer"})
    assert literal.status_code == 201 and literal.json()["name"] == "\\u0000", literal.text


def test_lone_surrogates_are_422s_naming_where(client: TestClient) -> None:
    """Both drivers failed to encode them (a 500): agents' heartbeats and registrations."""
    json_type = {"Content-Type": "application/json"}
    for body, where in (
        (b'{"id": "\\ud800"}', "body: id is not valid Unicode text"),
        (b'{"id": "a", "last_error": "x\\uDFFFy"}', "body: last_error is not"),
        (b'{"id": "\xed\xa0\x80"}', "body: id is not"),  # a surrogate's UTF-8 bytes
        (b'{"id": "a", "roots": ["/ok", "/\\udc80"]}', "body: roots.1 is not"),
        (b'{"id": "a", "labels": {"\\ud800": "x"}}', "body: a key in labels is not"),
    ):
        response = client.post(f"{V1}/agents/heartbeat", content=body, headers=json_type)
        assert_names(response, 422, "invalid_request", where)
    assert client.get(f"{V1}/agents").json() == []
    paired = b'{"name": "\\ud83d\\ude00 \\u4e2d", "role": "viewer"}'  # an emoji and a CJK
    saved = client.post(f"{V1}/tokens", content=paired, headers=json_type)
    assert saved.status_code == 201 and saved.json()["name"] == "\U0001f600 \u4e2d", saved.text


def test_overnight_windows_hold_at_the_first_and_last_instants() -> None:
    """An overnight window looks at the day before; on 0001-01-01 that step overflowed."""
    overnight = parse_window("Sun 22:00-06:00")
    first = datetime(1, 1, 1, 1, 0, tzinfo=UTC)  # a Monday, 01:00: inside Sunday's night
    assert overnight.contains(first, ZoneInfo("UTC"))
    last = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)  # a Friday
    assert not overnight.contains(last, ZoneInfo("UTC"))
