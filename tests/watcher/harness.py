"""Run an Agent's detection loops on real inotify without Temporal (a lazy, unused client)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from temporalio.client import Client

from activities.s3 import make_s3_client
from sluice.contracts import DetectedFile
from sluice.settings import load_settings
from watcher.agent import Agent
from watcher.watching import RootWatcher, _Forwarder

SILENCE = 0.3
DETECT_WITHIN = 10.0  # seconds; generous for a loaded CI machine


def clean_env() -> None:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            del os.environ[name]


@asynccontextmanager
async def detecting(tmp_path: Path, roots: list[Path], **agent: Any) -> AsyncIterator[Agent]:
    """An Agent whose watcher, event and settle loops run; nothing is dispatched."""
    settings = load_settings(
        temporal={"address": "127.0.0.1:1"},
        agent={
            "id": f"agent-{uuid.uuid4().hex[:8]}",
            "hostname": "test-host",
            "roots": [str(r) for r in roots],
            "silence": SILENCE,
            "scan_interval": 3600,
            "spool_path": str(tmp_path / "state" / "spool.db"),
            **agent,
        },
    )
    client = await Client.connect(settings.temporal.address, lazy=True)
    agent_ = Agent(settings, client, make_s3_client(settings.storage))
    cfg = settings.agent
    watcher = RootWatcher(
        cfg.observer, cfg.poll_interval, _Forwarder(asyncio.get_running_loop(), agent_._events)
    )
    watcher.start(agent_.roots)
    agent_.watcher = watcher
    agent_.startup_scan()
    tasks = [asyncio.create_task(agent_._take_events()), asyncio.create_task(agent_._settle())]
    try:
        yield agent_
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        watcher.stop()
        agent_.spool.close()


async def spooled(agent: Agent, count: int, *, settle: float = SILENCE * 4) -> list[DetectedFile]:
    """The spool once it holds `count` files, plus a few silence windows to catch extras."""
    deadline = time.monotonic() + DETECT_WITHIN
    while agent.spool.depth() < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(settle)
    return agent.spool.pending(limit=100_000)
