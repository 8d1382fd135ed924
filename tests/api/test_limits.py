"""Oversized request bodies are refused with 413, too deeply nested ones with 422, before a
route reads them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import MAX_JSON_DEPTH, json_depth_over
from sluice.settings import ApiSettings, Settings
from tests.api.tokens import bearer

LIMIT = 4096


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, api=ApiSettings(max_body_bytes=LIMIT))
    with TestClient(create_app(settings), headers=bearer(db_url)) as test_client:
        yield test_client


def rule(description: str) -> dict[str, object]:
    return {
        "name": "sized",
        "description": description,
        "match": {"suffixes": [".log"]},
        "pipeline": [{"upload": {}}],
    }


def test_a_body_over_the_limit_is_413_and_nothing_is_saved(client: TestClient) -> None:
    response = client.post("/api/v1/rules", json=rule("x" * LIMIT))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert client.get("/api/v1/rules").json() == []


def test_a_streamed_body_without_a_length_is_counted_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(8):
            yield b" " * 1024

    response = client.post(
        "/api/v1/rules", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413


def test_a_body_under_the_limit_goes_through(client: TestClient) -> None:
    response = client.post("/api/v1/rules", json=rule("fits"))

    assert response.status_code == 201, response.text


def nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_json_nested_past_the_limit_is_422_and_nothing_is_saved(client: TestClient) -> None:
    """A webhook body 300 deep was accepted, then failed to serialise: a 500."""
    hook = {"webhook": {"url": "http://127.0.0.1:9/hook", "body": nested(300)}}
    response = client.post("/api/v1/rules", json={**rule("deep"), "pipeline": [hook]})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {
        "code": "invalid_request",
        "message": f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels",
    }
    assert client.get("/api/v1/rules").json() == []


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    at_limit = json.dumps(nested(MAX_JSON_DEPTH)).encode()
    assert not json_depth_over(at_limit, MAX_JSON_DEPTH)
    assert json_depth_over(json.dumps(nested(MAX_JSON_DEPTH + 1)).encode(), MAX_JSON_DEPTH)
    brackets_in_text = json.dumps({"text": "[{" * 1000, "quoted": '\\"[' * 100}).encode()
    assert not json_depth_over(brackets_in_text, MAX_JSON_DEPTH)


def test_json_depth_skips_strings_with_escaped_quotes_and_backslashes() -> None:
    """A key or value ending in a backslash, or holding escaped quotes, still ends its string
    where JSON says: the brackets after it count, the ones inside do not."""
    for text in ("ends in a backslash \\", 'a \\" quote [[[', '\\\\" [{', '"' * 50 + "[" * 200):
        document = {text: text, "deep": nested(MAX_JSON_DEPTH - 1), "after": [text]}
        body = json.dumps(document).encode()
        assert not json_depth_over(body, MAX_JSON_DEPTH), text
        deeper = json.dumps({text: text, "deep": nested(MAX_JSON_DEPTH)}).encode()
        assert json_depth_over(deeper, MAX_JSON_DEPTH), text
