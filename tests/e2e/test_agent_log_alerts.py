"""`sluice agent` as a process follows a log and raises alerts in the real API: a matching line
appended becomes an alert at GET /api/v1/alerts, through a rotation in between, and an
agent restart neither re-alerts what it sent nor misses what was written while it was down."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import agent_process, eventually, spool_rows, with_agent_token

RULES = {
    "poll_interval": 0.2,
    "rules": [{"name": "oom", "paths": ["logs/*.log"], "keywords": ["OutOfMemoryError"],
               "severity": "fatal", "suppress_window": "5m"}],
}  # fmt: skip


def followed(spool: Path) -> int:
    """Files whose position the agent has stored (it has read them once)."""
    rows = spool_rows(spool, "SELECT count(*) FROM log_positions")
    return int(rows[0][0]) if rows else 0


async def alerts_by_line(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    page = (await api.get("/api/v1/alerts", params={"source": "agent", "limit": 100})).json()
    return {alert["annotations"]["description"]: alert for alert in page["items"]}


def append(path: Path, text: str) -> None:
    with path.open("a") as out:
        out.write(text)


@pytest.mark.timeout(180)
async def test_log_lines_become_alerts_through_rotation_and_restart(
    settings: Settings, api_url: str, inbox: Path, tmp_path: Path
) -> None:
    managed = with_agent_token(settings)
    agent_id, token = managed.agent.id, managed.agent.token
    assert token is not None
    log_dir = inbox / "logs"
    log_dir.mkdir()
    app_log = log_dir / "app.log"
    app_log.write_text("OutOfMemoryError in history, before the agent started\n")
    extra = {
        "AGENT__API_URL": api_url, "AGENT__TOKEN": token.get_secret_value(),
        "AGENT__HEARTBEAT_INTERVAL": "0.5", "AGENT__EXCLUDE_DIRS": '["logs"]',
        "AGENT__LOG_ALERTS": json.dumps(RULES),
    }  # fmt: skip
    out = tmp_path / "agent.out"
    api = httpx.AsyncClient(base_url=api_url, headers=bearer(managed.database_url, Role.admin))

    async def alerted(line: str) -> dict[str, Any] | None:
        return (await alerts_by_line(api)).get(line)

    agent = agent_process(managed, out, **extra)
    try:
        await eventually(lambda: followed(managed.agent.spool_path) == 1, 60, "log followed")
        append(app_log, "java.lang.OutOfMemoryError in alpha\n")
        alpha = await eventually(
            lambda: alerted("java.lang.OutOfMemoryError in alpha"), 30, "alpha"
        )
        assert alpha["labels"] == {
            "agent": agent_id, "host": "test-host", "alertname": "oom", "rule": "oom",
            "path": str(app_log), "severity": "fatal", "signature": alpha["labels"]["signature"],
        }  # fmt: skip
        assert (alpha["severity"], alpha["status"]) == ("fatal", "firing")

        append(app_log, "OutOfMemoryError in beta, just before the rotation\n")
        os.rename(app_log, log_dir / "app.log.1")
        app_log.write_text("OutOfMemoryError in gamma, the new file\n")
        await eventually(lambda: alerted("OutOfMemoryError in gamma, the new file"), 30, "gamma")
        assert await alerted("OutOfMemoryError in beta, just before the rotation")

        agent.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(agent.wait, 60) == 0
        append(app_log, "OutOfMemoryError in delta, while the agent was down\n")
        agent = agent_process(managed, out, **extra)
        await eventually(
            lambda: alerted("OutOfMemoryError in delta, while the agent was down"), 60, "delta"
        )
        # Re-reading app.log from its start would have sent gamma again before delta.
        found = await alerts_by_line(api)
        assert sorted(found) == [
            "OutOfMemoryError in beta, just before the rotation",
            "OutOfMemoryError in delta, while the agent was down",
            "OutOfMemoryError in gamma, the new file",
            "java.lang.OutOfMemoryError in alpha",
        ]
        assert [alert["received"] for alert in found.values()] == [1, 1, 1, 1]
    finally:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(agent.wait, 30)
            except Exception:
                agent.kill()
                agent.wait()
        await api.aclose()
