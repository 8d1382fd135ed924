"""Helpers for end-to-end tests: wait on tasks through the API, publish rules."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from sqlmodel import Session
from temporalio.client import Client

from api.services.rules import create_rule, publish_rule
from store.db import make_engine

if TYPE_CHECKING:
    from tests.peers.chat import DingTalkPeer
    from tests.peers.smtp import SmtpPeer


async def wait_for_task(
    api: httpx.AsyncClient, rel_path: str, status: str = "succeeded", within: float = 60.0
) -> dict[str, Any]:
    """Poll the API until the task for `rel_path` reaches `status`; return its detail."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    seen: list[Any] = []
    while loop.time() < deadline:
        seen = (await api.get("/api/v1/tasks", params={"limit": 500})).json()["items"]
        for item in seen:
            if item["rel_path"] == rel_path and item["status"] == status:
                detail = await api.get(f"/api/v1/tasks/{item['id']}")
                return dict(detail.json())
        await asyncio.sleep(0.2)
    brief = [(t["rel_path"], t["status"], t["error"]) for t in seen]
    raise AssertionError(f"no {status} task for {rel_path} within {within}s; tasks: {brief}")


HISTORIES = Path(__file__).parent.parent / "workflows" / "histories"


async def keep_history(client: Client, workflow_id: str, name: str) -> None:
    """With SLUICE_RECORD_HISTORIES=1, save the run's history for the replay test."""
    if os.environ.get("SLUICE_RECORD_HISTORIES") == "1":
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        (HISTORIES / f"{name}.json").write_text(history.to_json())


def publish(database_url: str, document: Mapping[str, Any]) -> int:
    """Save `document` as a rule and make it live; returns the rule id."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        rule = create_rule(session, document=document, actor="test")
        assert rule.id is not None
        publish_rule(session, rule_id=rule.id)
        return rule.id


def steps_by_name(task: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in task["steps"]}


def ops_channels(dingtalk: DingTalkPeer, smtp: SmtpPeer) -> list[dict[str, Any]]:
    """The channel documents the action tests create: signed DingTalk, email over STARTTLS."""
    ding = {
        "name": "ops-dingtalk",
        "type": "dingtalk",
        "config": {"at_mobiles": ["13800000000"]},
        "secrets": {"url": dingtalk.webhook, "secret": dingtalk.secret},
    }
    mail = {
        "name": "ops-email",
        "type": "email",
        "config": {
            "to": ["ops@example.com"],
            "sender": "sluice@example.com",
            "host": "127.0.0.1",
            "port": smtp.port,
            "user": "mailer",
            "security": "starttls",
            "ca_file": str(smtp.cert),
        },
        "secrets": {"password": "pw"},
    }
    return [ding, mail]


# Uploads a .csv, then runs Jenkins job "deploy-report" (which the test makes fail) and
# compensates, announcing the failure on the "ops-dingtalk" channel.
FAILING_BUILD_RULE = {
    "name": "reports",
    "match": {"suffixes": [".csv"]},
    "pipeline": [
        {"upload": {}},
        {"jenkins": {"job": "deploy-report", "poll_interval": "200ms", "on_failure": "compensate"}},
    ],
    "on_failure": {"notify": {"channels": ["ops-dingtalk"]}},
}
