"""Support for the agent's end-to-end tests: a private Temporal that can be stopped, waits."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr
from temporalio.client import Client

from api.models import Role
from sluice.servers import stop, temporal_spec
from sluice.settings import Settings
from tests.api.tokens import issue_token
from tests.fixtures.servers import free_port_with_grpc


class OwnTemporal:
    """A Temporal dev server of the test's own (port + state dir), so stopping it harms no one."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.port = free_port_with_grpc()
        self.address = f"127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._proc = temporal_spec(self.state_dir, self.port, ui_port=None).start()

    def stop(self) -> None:
        if self._proc is not None:
            stop(self._proc)
            self._proc = None


def with_agent_token(settings: Settings) -> Settings:
    """`settings` whose agent sends an agent-role token named after it (the DB is migrated)."""
    token = issue_token(settings.database_url, Role.agent, settings.agent.id)
    agent = settings.agent.model_copy(update={"token": SecretStr(token)})
    return settings.model_copy(update={"agent": agent})


async def count_runs(client: Client, agent_id: str) -> int:
    """Workflow executions (any status) started for `agent_id`."""
    return (await client.count_workflows(f"SluiceAgent = '{agent_id}'")).count


async def eventually(
    check: Callable[[], object], within: float, what: str, every: float = 0.2
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(every)
    raise AssertionError(f"not within {within}s: {what}")


def spool_states(spool: Path) -> dict[str, int]:
    """State → count, read from another process's spool (WAL allows a concurrent reader)."""
    if not spool.exists():
        return {}
    with sqlite3.connect(f"file:{spool}?mode=ro", uri=True, timeout=10) as db:
        return dict(db.execute("SELECT state, count(*) FROM spool GROUP BY state").fetchall())
