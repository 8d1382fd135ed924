"""Run the agent's detection on real inotify, alone: no Temporal, no dispatch, no host worker."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sluice.contracts import DetectedFile
from sluice.settings import AgentSettings
from watcher.detection import Detection
from watcher.metrics import AgentMetrics
from watcher.spool import SpoolStore

SILENCE = 0.3
DETECT_WITHIN = 10.0  # seconds; generous for a loaded CI machine


def clean_env() -> None:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            del os.environ[name]


@asynccontextmanager
async def detecting(tmp_path: Path, roots: list[Path], **agent: Any) -> AsyncIterator[Detection]:
    """Detection with its watcher, event and settle loops running; nothing is dispatched."""
    cfg = AgentSettings.model_validate(
        {
            "id": f"agent-{uuid.uuid4().hex[:8]}",
            "hostname": "test-host",
            "roots": [str(r) for r in roots],
            "silence": SILENCE,
            "scan_interval": 3600,  # only events find files, unless a test calls scan()
            "spool_path": str(tmp_path / "state" / "spool.db"),
            **agent,
        }
    )
    spool = SpoolStore(cfg.spool_path)
    detection = Detection(
        cfg, spool, AgentMetrics(), notice=lambda kind, message: None, on_spooled=lambda: None
    )
    detection.start_watching()
    detection.startup_scan()
    tasks = [asyncio.create_task(detection.take_events()), asyncio.create_task(detection.settle())]
    try:
        yield detection
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        detection.stop_watching()
        spool.close()


async def spooled(
    detection: Detection, count: int, *, settle: float = SILENCE * 4
) -> list[DetectedFile]:
    """The spool once it holds `count` files, plus a few silence windows to catch extras."""
    deadline = time.monotonic() + DETECT_WITHIN
    while detection.spool.depth() < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(settle)
    return detection.spool.pending(limit=100_000)
