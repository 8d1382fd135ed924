"""`knowledge:ask` over a real database and a loopback OpenAI-compatible peer: an answer
citing only retrieved entries (invented citations dropped), every way the LLM fails degrading
to the ranked entries, and no LLM at all; feedback and the weekly rates it all feeds."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from sluice.settings import AiSettings, Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.peers.llm import OpenAIPeer

KB = "/api/v1/knowledge"
DISK = {
    "title": "Disk full on /var",
    "symptoms": "writes fail: No space left on device",
    "cause": "logs are not rotated",
    "resolution": "configure logrotate",
    "matchers": ['alertname="DiskFull"'],
    "signature": {"alertname": "DiskFull", "error": "No space left on device"},
    "status": "published",
}
HEAP = {
    "title": "Java heap exhausted",
    "symptoms": "java.lang.OutOfMemoryError: Java heap space",
    "cause": "the report cache holds every report",
    "resolution": "bound the cache",
    "status": "published",
}
QUESTION = "the disk is full: No space left on device, what do I do?"

ClientFor = Callable[..., TestClient]


@pytest.fixture
def client_for(db_url: str) -> Iterator[ClientFor]:
    clients: list[TestClient] = []

    def make(peer: OpenAIPeer | None = None, timeout: float = 5.0, **ai_fields: Any) -> TestClient:
        ai = AiSettings()
        if peer is not None:
            ai = AiSettings(base_url=peer.base_url, api_key=SecretStr("sk-test"), timeout=timeout,
                            **ai_fields)  # fmt: skip
        app = create_app(Settings(database_url=db_url, ai=ai))
        client = TestClient(app, headers=bearer(db_url, Role.operator, "olga"))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def create_entry(client: TestClient, body: dict[str, Any]) -> int:
    response = client.post(KB, json=body)
    assert response.status_code == 201, response.text
    entry_id: int = response.json()["id"]
    return entry_id


def seed(client: TestClient) -> tuple[int, int]:
    return create_entry(client, DISK), create_entry(client, HEAP)


def ask(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(f"{KB}:ask", json={"question": QUESTION, **body})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def counters(client: TestClient, entry_id: int) -> dict[str, int]:
    found: dict[str, int] = client.get(f"{KB}/{entry_id}").json()["counters"]
    return found


def this_week(client: TestClient) -> dict[str, Any]:
    response = client.get(f"{KB}:stats", params={"weeks": 2})
    assert response.status_code == 200, response.text
    weeks = response.json()["weeks"]
    assert len(weeks) == 2
    week: dict[str, Any] = weeks[-1]
    return week


def test_an_answer_cites_only_retrieved_entries(
    client_for: ClientFor, openai_peer: OpenAIPeer
) -> None:
    client = client_for(openai_peer)
    disk, heap = seed(client)
    openai_peer.content = json.dumps(
        {"answer": f"Rotate the logs [KB-{disk}]. Reboot the moon [KB-99999]. Again [kb-{disk}]."}
    )
    answer = ask(client, labels={"alertname": "DiskFull"})
    assert answer["degraded"] is False and answer["error_class"] is None
    assert [c["key"] for c in answer["citations"]] == [f"KB-{disk}"]
    assert answer["invalid_citations"] == ["KB-99999"]
    assert "KB-99999" not in answer["answer"]
    assert answer["answer"].count(f"[KB-{disk}]") == 2
    assert answer["entries"][0]["entry"]["id"] == disk  # the signature entry ranks first
    # the model saw the retrieved entries, cited as it must cite them
    assert f"[KB-{disk}] Disk full on /var" in openai_peer.prompts[-1]
    assert counters(client, disk)["cited"] == 1
    assert counters(client, heap)["cited"] == 0
    week = this_week(client)
    assert (week["asks"], week["asks_citing"], week["citation_rate"]) == (1, 1, 1.0)
    audited = client.get("/api/v1/audit-logs", params={"resource_type": "knowledge"}).json()
    actions = {row["action"] for row in audited["items"]}
    assert "knowledge.create" in actions and "knowledge.ask" not in actions  # a read


def test_long_entries_are_cut_to_fit_the_model_context(
    client_for: ClientFor, openai_peer: OpenAIPeer
) -> None:
    openai_peer.context_tokens, openai_peer.style = 4096, "openai"
    client = client_for(openai_peer, context_tokens=4096, max_tokens=1024)
    long = "磁盘空间不足, rotate the logs and check the volume. " * 350  # ~20 KB each
    ids = [create_entry(client, {**DISK, "title": f"Disk full {n}", "resolution": long})
           for n in range(5)]  # fmt: skip
    openai_peer.content = json.dumps({"answer": f"Rotate the logs [KB-{ids[0]}]."})
    answer = ask(client)
    assert answer["degraded"] is False, answer["error_class"]
    assert len(answer["entries"]) == 5
    assert all(f"[KB-{n}]" in openai_peer.prompts[-1] for n in ids)  # each got its share
    assert openai_peer.prompt_tokens[-1] + 1024 <= 4096


@pytest.mark.parametrize(
    ("mode", "error_class"),
    [
        ("rate_limit", "rate_limit"),
        ("slow", "timeout"),
        ("malformed", "invalid_output"),
        ("empty", "invalid_output"),
        ("ok", "invalid_output"),  # valid JSON, but the analysis schema: no "answer"
    ],
)
def test_a_failing_llm_degrades_to_the_ranked_entries(
    client_for: ClientFor, openai_peer: OpenAIPeer, mode: str, error_class: str
) -> None:
    openai_peer.slow_s = 1.5
    client = client_for(openai_peer, timeout=0.3)
    disk, _ = seed(client)
    openai_peer.modes = [mode]
    answer = ask(client)
    assert answer["degraded"] is True
    assert answer["error_class"] == error_class
    assert answer["answer"] == "" and answer["citations"] == []
    assert answer["entries"][0]["entry"]["id"] == disk
    assert len(openai_peer.prompts) == 1  # asked once: a person is waiting
    assert counters(client, disk)["cited"] == 0
    week = this_week(client)
    assert (week["asks"], week["asks_degraded"], week["citation_rate"]) == (1, 1, 0.0)


def test_without_an_llm_the_ranked_entries_are_the_answer(
    client_for: ClientFor, db_url: str
) -> None:
    client = client_for()
    disk, _ = seed(client)
    answer = ask(client)
    assert (answer["degraded"], answer["error_class"]) == (True, "not_configured")
    assert [hit["entry"]["id"] for hit in answer["entries"]][:1] == [disk]
    nothing = ask(client, question="kubernetes ingress certificate renewal")
    assert (nothing["degraded"], nothing["error_class"]) == (True, "no_entries")
    assert nothing["entries"] == []
    # asking is a read: a viewer may ask, but not give feedback
    viewer = bearer(db_url, Role.viewer, "vic")
    asked = client.post(f"{KB}:ask", json={"question": QUESTION}, headers=viewer)
    assert asked.status_code == 200 and asked.json()["entries"][0]["entry"]["id"] == disk
    said = client.post(f"{KB}/{disk}:feedback", json={"helpful": True, "context": "answer"},
                       headers=viewer)  # fmt: skip
    assert said.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"question": "x" * 2001},
        {"question": "   "},
        {"question": ""},
        {"question": "disk", "labels": {f"l{i}": "v" for i in range(500)}},
        {"question": "disk", "labels": {"alertname": "x" * 1001}},
        {"question": "disk", "extra": 1},
    ],
)
def test_hostile_questions_are_refused(client_for: ClientFor, body: dict[str, Any]) -> None:
    response = client_for().post(f"{KB}:ask", json=body)
    assert response.status_code == 422, response.text


def test_feedback_counts_on_the_entry_and_in_the_week(client_for: ClientFor) -> None:
    client = client_for()
    disk, heap = seed(client)
    for entry_id, helpful, context in [(disk, True, "match"), (disk, True, "answer"),
                                       (heap, False, "answer")]:  # fmt: skip
        response = client.post(
            f"{KB}/{entry_id}:feedback", json={"helpful": helpful, "context": context}
        )
        assert response.status_code == 201, response.text
        assert response.json()["actor"] == "olga"
    audited = client.get("/api/v1/audit-logs", params={"action": "knowledge.feedback"}).json()
    assert len(audited["items"]) == 3  # who said what is kept
    assert counters(client, disk)["helpful"] == 2
    assert counters(client, heap)["not_helpful"] == 1
    week = this_week(client)
    assert (week["helpful"], week["not_helpful"]) == (2, 1)
    assert week["hit_rate"] is None  # no group was matched: no rate, not 0

    assert client.post(f"{KB}/99999:feedback", json={"helpful": True, "context": "match"}
                       ).status_code == 404  # fmt: skip
    unknown_group = {"helpful": True, "context": "match", "group_id": "nope"}
    assert client.post(f"{KB}/{disk}:feedback", json=unknown_group).status_code == 422
    assert client.post(f"{KB}/{disk}:feedback", json={"helpful": True, "context": "x"}
                       ).status_code == 422  # fmt: skip
    assert client.get(f"{KB}:stats", params={"weeks": 53}).status_code == 422
    assert counters(client, disk)["helpful"] == 2
