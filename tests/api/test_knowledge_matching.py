"""Knowledge matched to alert groups: the entry whose signature the alert carries comes first,
drafts never match, a group is matched once (its entries' `matched` counted once) however
often it flushes, the group's detail shows its matches, and the weekly hit rate counts them;
on SQLite and PostgreSQL, and through the group's real workflow (Temporal's time-skipping
test server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import knowledge as kb
from sluice.settings import Settings
from store import knowledge_matches
from store.db import make_engine
from store.models import (
    Alert,
    AlertGroup,
    AlertGroupMember,
    KnowledgeCreate,
    KnowledgeEntry,
    KnowledgeMatchRun,
    Role,
)
from tests.api.tokens import bearer
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, alert, hook_channels, publish
from tests.workflows.conftest import time_skipping  # noqa: F401  (the fixture)

KB = "/api/v1/knowledge"
NOW = datetime.now(UTC)
DISK = {
    "title": "Disk full on /var",
    "symptoms": "writes fail",
    "cause": "logs are not rotated",
    "resolution": "configure logrotate",
    "signature": {"alertname": "DiskFull", "service": "web",
                  "error": "No space left on device: /var/log/a.log"},
    "status": "published",
}  # fmt: skip
DISK_TEXT = {  # found by its words only
    "title": "Disk almost full on web hosts",
    "symptoms": "the disk is almost full, No space left on device",
    "status": "published",
}
DISK_DRAFT = {**DISK, "title": "Disk full (draft)", "status": "draft"}
HEAP = {"title": "Java heap exhausted", "symptoms": "OutOfMemoryError", "status": "published"}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.operator, "olga")) as test_client:
        yield test_client


def create(client: TestClient, body: dict[str, Any]) -> int:
    response = client.post(KB, json=body)
    assert response.status_code == 201, response.text
    entry_id: int = response.json()["id"]
    return entry_id


def seed_group(engine: Engine, group_id: str, *alerts: tuple[dict[str, str], dict[str, str]]
               ) -> None:  # fmt: skip
    with Session(engine) as session:
        session.add(AlertGroup(id=group_id, route="ops", group_labels={}))
        for number, (labels, annotations) in enumerate(alerts):
            fingerprint = f"{group_id}-{number}"[-16:]
            session.add(Alert(fingerprint=fingerprint, labels=labels, annotations=annotations))
            session.add(AlertGroupMember(group_id=group_id, fingerprint=fingerprint))
        session.commit()


def test_the_signature_entry_comes_first_once_per_group(client: TestClient, engine: Engine) -> None:
    disk, text, draft = (create(client, body) for body in (DISK, DISK_TEXT, DISK_DRAFT))
    create(client, HEAP)
    seed_group(engine, "g-disk", (
        {"alertname": "DiskFull", "service": "web", "host": "a"},
        {"summary": "Disk almost full", "description": "No space left on device: /var/log/b.log"},
    ), (
        {"alertname": "DiskFull", "service": "web", "host": "b"},
        {"summary": "Disk almost full"},
    ))  # fmt: skip
    seed_group(engine, "g-cert", ({"alertname": "CertExpiry"}, {"summary": "TLS certificate"}))
    seed_group(engine, "g-empty")

    assert knowledge_matches.attach(engine, "g-disk", NOW) == 2
    assert knowledge_matches.attach(engine, "g-disk", NOW) is None  # a later flush
    assert knowledge_matches.attach(engine, "g-cert", NOW) == 0
    assert knowledge_matches.attach(engine, "g-empty", NOW) is None  # no alerts: next time

    detail = client.get("/api/v1/alert-groups/g-disk")
    assert detail.status_code == 200, detail.text
    matches = detail.json()["knowledge"]
    assert [m["id"] for m in matches] == [disk, text]
    assert matches[0]["key"] == f"KB-{disk}" and matches[0]["title"] == DISK["title"]
    assert "exact_signature" in matches[0]["why"] and matches[1]["why"] == ["text"]
    assert matches[0]["score"] > 0
    assert draft not in [m["id"] for m in matches]
    assert client.get("/api/v1/alert-groups/g-cert").json()["knowledge"] == []
    assert client.get(f"{KB}/{disk}").json()["counters"]["matched"] == 1
    assert client.get(f"{KB}/{draft}").json()["counters"]["matched"] == 0
    with Session(engine) as session:
        assert session.get(KnowledgeMatchRun, "g-empty") is None

    weeks = client.get(f"{KB}:stats").json()["weeks"]
    assert len(weeks) == 8
    week = weeks[-1]
    assert (week["groups"], week["groups_with_match"], week["hit_rate"]) == (2, 1, 0.5)
    feedback = {"helpful": True, "context": "match", "group_id": "g-disk"}
    assert client.post(f"{KB}/{disk}:feedback", json=feedback).status_code == 201


def test_a_deleted_entry_leaves_the_group_matches(client: TestClient, engine: Engine) -> None:
    disk = create(client, DISK)
    seed_group(engine, "g-1", ({"alertname": "DiskFull", "service": "web"},
                               {"description": "No space left on device: /x"}))  # fmt: skip
    assert knowledge_matches.attach(engine, "g-1", NOW) == 1
    assert client.delete(f"{KB}/{disk}").status_code == 204
    assert client.get("/api/v1/alert-groups/g-1").json()["knowledge"] == []


ROUTING = """
routes:
  - name: web
    matchers: ['service="web"']
    group_by: [alertname]
    group_wait: 30s
    group_interval: 1m
    repeat_interval: 24h
    channels: [web-hook]
"""


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment,  # noqa: F811
    metadata_engine: Engine,
    webhook_peer: WebhookPeer,
) -> AsyncIterator[GroupRig]:
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "web-hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer)


async def test_a_group_flush_attaches_its_matches_once(rig: GroupRig) -> None:
    with Session(rig.engine) as session:
        spec = KnowledgeCreate.model_validate({**DISK, "signature": {
            "alertname": "DiskFull", "service": "web", "error": "DiskFull is bad"}})  # fmt: skip
        entry = kb.create(session, spec=spec, actor="olga")
    async with rig.worker():
        [group] = await rig.send(alert("DiskFull", service="web", host="a"))
        await rig.env.sleep(31)  # group_wait: the first flush
        await rig.told(1)
        await rig.send(alert("DiskFull", service="web", host="b"))
        await rig.env.sleep(61)  # group_interval: a second flush
        assert len(await rig.told(2)) == 2
    with Session(rig.engine) as session:
        matches = knowledge_matches.matches_of(session, group)
        assert [m.id for m in matches] == [entry.id]
        assert "exact_signature" in matches[0].why  # the alert's summary is its error
        counted = session.exec(select(KnowledgeEntry.matched)).all()
        assert counted == [1]
