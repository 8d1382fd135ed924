"""Support for the agent's end-to-end tests: tokens, waits, the agent as its own process."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar, overload

from pydantic import SecretStr
from temporalio.client import Client

from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import issue_token

T = TypeVar("T")

# The fault tests' outages are as short as CI affords; `SLUICE_TEST_OUTAGE=60` stretches each
# to at least that many seconds (the minute-long fault run), with the same assertions.
OUTAGE_S = float(os.environ.get("SLUICE_TEST_OUTAGE", "0"))


def with_agent_token(settings: Settings) -> Settings:
    """`settings` whose agent sends an agent-role token named after it (the DB is migrated)."""
    token = issue_token(settings.database_url, Role.agent, settings.agent.id)
    agent = settings.agent.model_copy(update={"token": SecretStr(token)})
    return settings.model_copy(update={"agent": agent})


async def count_runs(client: Client, agent_id: str) -> int:
    """Workflow executions (any status) started for `agent_id`."""
    return (await client.count_workflows(f"SluiceAgent = '{agent_id}'")).count


@overload
async def eventually(
    check: Callable[[], Awaitable[T | None]], within: float, what: str, every: float = 0.2
) -> T: ...
@overload
async def eventually(
    check: Callable[[], T | None], within: float, what: str, every: float = 0.2
) -> T: ...
async def eventually(check: Callable[[], Any], within: float, what: str, every: float = 0.2) -> Any:
    """The first truthy result of `check` (sync or async), polled every `every` seconds.

    AssertionError naming `what` if none came within `within` seconds.
    """
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(every)
    raise AssertionError(f"not within {within}s: {what}")


def spool_rows(spool: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows of `query` on a running agent's spool, read-only; none while the agent creates it."""
    if not spool.exists():
        return []
    with sqlite3.connect(f"file:{spool}?mode=ro", uri=True, timeout=10) as db:
        try:
            return db.execute(query).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # the file exists, its schema not yet
                return []
            raise


# Uploads slowly enough to be interrupted part-way, and retries into a restarted agent.
RESUMABLE_RULE = {
    "name": "resumable",
    "match": {"suffixes": [".hprof"]},
    "pipeline": [
        {
            "upload": {
                "part_concurrency": 1,
                "bandwidth_limit": "4MiB",
                "heartbeat_timeout": "2s",
                "retry": {"max_attempts": 5, "initial_interval": "500ms"},
            }
        },
        {"verify": {"read_back": True}},
    ],
}


def agent_process(settings: Settings, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    """`sluice agent` in its own process, configured like the test's in-process agent.

    `extra` adds settings as SLUICE_* variables (`AGENT__SHUTDOWN_GRACE="4"`, say); none of the
    caller's own SLUICE_* variables leak in.
    """
    return sluice_process("agent", settings, log, **extra)


def worker_process(settings: Settings, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    """`sluice worker` in its own process, on the test's queue and metadata DB."""
    return sluice_process("worker", settings, log, DATABASE_URL=settings.database_url, **extra)


def sluice_process(
    command: str, settings: Settings, log: Path, **extra: str
) -> subprocess.Popen[bytes]:
    agent = settings.agent
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")},
        "SLUICE_TEMPORAL__ADDRESS": settings.temporal.address,
        "SLUICE_TEMPORAL__TASK_QUEUE": settings.temporal.task_queue,
        "SLUICE_STORAGE__ENDPOINT_URL": str(settings.storage.endpoint_url),
        "SLUICE_STORAGE__BUCKET": settings.storage.bucket,
        "SLUICE_STORAGE__PART_SIZE": str(settings.storage.part_size),
        "SLUICE_AGENT__ID": agent.id,
        "SLUICE_AGENT__HOSTNAME": agent.hostname,
        "SLUICE_AGENT__ROOTS": json.dumps([str(root) for root in agent.roots]),
        "SLUICE_AGENT__SILENCE": "0.3",
        "SLUICE_AGENT__SPOOL_PATH": str(agent.spool_path),
        "SLUICE_AGENT__METRICS_PORT": "0",
        **{f"SLUICE_{key}": value for key, value in extra.items()},
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
