"""An approve step can tell a channel that a file waits for a decision."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from sluice.settings import Settings
from tests.e2e.flow import publish, steps_by_name, wait_for_task
from tests.peers.chat import DingTalkPeer
from watcher.agent import Agent


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings plus a key for channel secrets."""
    notifications = settings.notifications.model_validate({"secret_key": "approval notice key"})
    return settings.model_copy(update={"notifications": notifications})


async def test_waiting_for_approval_is_announced_then_decided(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    dingtalk_peer: DingTalkPeer,
) -> None:
    channel = {
        "name": "approvers",
        "type": "dingtalk",
        "config": {},
        "secrets": {"url": dingtalk_peer.webhook, "secret": dingtalk_peer.secret},
    }
    assert (await api.post("/api/v1/channels", json=channel)).status_code == 201
    publish(
        database,
        {
            "name": "gated",
            "match": {"suffixes": [".sql"]},
            "pipeline": [
                {"upload": {}},
                {"approve": {"timeout": "5m", "notify": {"channels": ["approvers"]}}},
            ],
        },
    )
    (inbox / "migration.sql").write_text("drop table audit;\n")

    waiting = await wait_for_task(api, "migration.sql", status="waiting_approval")
    (message,) = dingtalk_peer.accepted
    text = message["markdown"]["text"]
    assert "Approval needed: migration.sql" in text
    assert f"/api/v1/tasks/{waiting['id']}:approve" in text
    await api.post(f"/api/v1/tasks/{waiting['id']}:approve", json={"approved": True, "by": "dba"})

    task = await wait_for_task(api, "migration.sql")
    assert steps_by_name(task)["approve"]["summary"]["by"] == "dba"
