"""Resolving a ticket drafts its knowledge entry with the LLM (the loopback OpenAI peer) from
the ticket's story; every way the LLM fails gives the templated draft, with the error class
on the timeline's `knowledge_drafted`. SQLite, the API over ASGI, Temporal away."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session

from api.app import create_app
from sluice.settings import AiSettings, Settings
from store.db import make_engine, migrate
from store.models import Alert, AlertGroup, AlertGroupMember, Role
from tests.api.tokens import bearer
from tests.fixtures.database import free_port
from tests.peers.llm import OpenAIPeer

TICKETS = "/api/v1/tickets"
T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ERROR = "could not write to file pg_wal/000000010000000A: No space left on device"
COMMENTS = ("Removed WAL segments already archived.", "Grew the volume to 200 GiB.")
WRITTEN = {
    "title": "PostgreSQL stops when the WAL volume fills",
    "symptoms": "PostgresWalDiskFull fires; writes fail with No space left on device.",
    "cause": "Archived WAL segments were never removed.",
    "resolution": ["Remove WAL segments already archived", "Grow the volume to 200 GiB"],
    "tags": ["PostgreSQL", "disk", "ticket"],
}

ClientFor = Callable[..., TestClient]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/tickets.db"
    migrate(url)
    with Session(make_engine(url)) as session:
        labels = {"alertname": "PostgresWalDiskFull", "service": "db", "instance": "db-1"}
        session.add(
            AlertGroup(id="g-wal", route="db", group_labels={"alertname": labels["alertname"]})
        )
        notes = {"summary": "WAL volume full", "description": ERROR}
        session.add(Alert(fingerprint="fp-wal", labels=labels, annotations=notes, starts_at=T0,
                          severity="critical"))  # fmt: skip
        session.add(AlertGroupMember(group_id="g-wal", fingerprint="fp-wal"))
        session.commit()
    return url


@pytest.fixture
def client_for(sqlite_url: str) -> Iterator[ClientFor]:
    clients: list[TestClient] = []

    def make(peer: OpenAIPeer | None = None, timeout: float = 5.0) -> TestClient:
        ai = AiSettings()
        if peer is not None:
            ai = AiSettings(base_url=peer.base_url, api_key=SecretStr("sk-test"), timeout=timeout)
        settings = Settings.model_validate(
            {"database_url": sqlite_url, "ai": ai,
             "temporal": {"address": f"127.0.0.1:{free_port()}"}}  # nothing listens: away
        )  # fmt: skip
        client = TestClient(create_app(settings), headers=bearer(sqlite_url, Role.operator, "olga"))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def resolve(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open the group's ticket, comment, resolve: the draft and its `knowledge_drafted`."""
    made = client.post(TICKETS, json={"title": "WAL disk full on db-1", "priority": "P2",
                                      "group_id": "g-wal"})  # fmt: skip
    assert made.status_code == 201, made.text
    key = made.json()["id"]
    for body in COMMENTS:
        assert client.post(f"{TICKETS}/{key}/comments", json={"body": body}).status_code == 201
    resolved = client.post(f"{TICKETS}/{key}:resolve")
    assert resolved.status_code == 200, resolved.text
    detail = client.get(f"{TICKETS}/{key}").json()
    [drafted] = [e for e in detail["timeline"] if e["kind"] == "knowledge_drafted"]
    draft = client.get(f"/api/v1/knowledge/{detail['knowledge_draft_id']}").json()
    return draft, drafted["detail"]


def assert_templated(draft: dict[str, Any]) -> None:
    assert draft["title"] == "WAL disk full on db-1"
    assert draft["resolution"] == "\n\n".join(COMMENTS)
    assert f"description: {ERROR}" in draft["symptoms"]
    assert (draft["status"], draft["tags"]) == ("draft", ["ticket"])


def test_the_llm_writes_the_draft_from_the_tickets_story(
    client_for: ClientFor, openai_peer: OpenAIPeer
) -> None:
    openai_peer.content = json.dumps(WRITTEN)
    draft, drafted = resolve(client_for(openai_peer))
    assert (draft["status"], draft["author"]) == ("draft", "sluice")  # a person publishes
    assert draft["title"] == WRITTEN["title"]
    assert draft["cause"] == WRITTEN["cause"]
    assert draft["resolution"] == (
        "1. Remove WAL segments already archived\n2. Grow the volume to 200 GiB"
    )
    assert draft["tags"] == ["ticket", "postgresql", "disk"]
    signature = draft["signature"]  # from the alert, not the model
    assert signature["alertname"] == "PostgresWalDiskFull"
    assert "no space left on device" in signature["error"]
    assert draft["links"] == ["/api/v1/tickets/T-1"]
    assert drafted["written_by"] == "llm" and drafted["degraded"] is False
    [prompt] = openai_peer.prompts
    for fact in ("WAL disk full on db-1", "P2", *COMMENTS, ERROR, '"instance": "db-1"',
                 "status_changed"):  # fmt: skip
        assert fact in prompt


@pytest.mark.parametrize(
    ("mode", "content", "error_class"),
    [
        ("rate_limit", None, "rate_limit"),
        ("slow", None, "timeout"),
        ("malformed", None, "invalid_output"),
        ("ok", None, "invalid_output"),  # valid JSON of another schema (the analysis')
        ("ok", json.dumps(WRITTEN | {"resolution": []}), "invalid_output"),  # no steps
        ("ok", json.dumps(WRITTEN | {"title": "x" * 201}), "invalid_output"),  # too long
    ],
)
def test_a_failing_llm_gives_the_templated_draft_and_says_why(
    client_for: ClientFor, openai_peer: OpenAIPeer, mode: str, content: str | None,
    error_class: str,
) -> None:  # fmt: skip
    openai_peer.slow_s = 1.5
    openai_peer.content = content
    openai_peer.modes = [mode]
    draft, drafted = resolve(client_for(openai_peer, timeout=0.3))
    assert_templated(draft)
    assert drafted == {"entry_id": draft["id"], "written_by": "template", "degraded": True,
                       "error_class": error_class}  # fmt: skip
    assert len(openai_peer.prompts) == 1  # asked once: a person is waiting


def test_without_an_llm_the_draft_is_templated(client_for: ClientFor) -> None:
    draft, drafted = resolve(client_for())
    assert_templated(draft)
    assert (drafted["degraded"], drafted["error_class"]) == (True, "not_configured")
