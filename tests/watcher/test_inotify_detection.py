"""The agent's detection path on real inotify: files land in the spool once, by final name.

Temporal is not needed to detect files, but `Agent` takes a client: it gets a lazy one that
is never dialled. `Agent.run()` also starts the host worker, so this test wires the same
watchdog observer to the agent's own event and settle loops instead of calling `run()`.
"""

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.client import Client
from watchdog.observers import Observer

from activities.s3 import make_s3_client
from sluice.contracts import DetectedFile
from sluice.settings import load_settings
from watcher.agent import Agent, _Forwarder

SILENCE = 0.3
DETECT_WITHIN = 10.0  # seconds; generous for a loaded CI machine


@dataclass
class Watching:
    agent: Agent
    root: Path


@pytest.fixture
async def watching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Watching]:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    root = tmp_path / "inbox"
    root.mkdir()
    settings = load_settings(
        temporal={"address": "127.0.0.1:1"},  # never contacted: the client below is lazy
        agent={
            "id": f"agent-{uuid.uuid4().hex[:8]}",
            "hostname": "test-host",
            "roots": [str(root)],
            "silence": SILENCE,
            "scan_interval": 3600,  # only inotify events can find files in this test
            "spool_path": str(tmp_path / "state" / "spool.db"),
        },
    )
    client = await Client.connect(settings.temporal.address, lazy=True)
    agent = Agent(settings, client, make_s3_client(settings.storage))

    observer = Observer()
    forwarder = _Forwarder(asyncio.get_running_loop(), agent._events)
    for watched in agent.roots:
        observer.schedule(forwarder, str(watched), recursive=True)
    observer.start()
    tasks = [asyncio.create_task(agent._take_events()), asyncio.create_task(agent._settle())]
    try:
        yield Watching(agent, root.resolve())
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        observer.stop()
        observer.join(timeout=5)
        agent.spool.close()


async def _spooled(agent: Agent, count: int) -> list[DetectedFile]:
    """The spool once it holds `count` files, plus a few silence windows to catch duplicates."""
    deadline = time.monotonic() + DETECT_WITHIN
    while agent.spool.depth() < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(SILENCE * 4)
    return agent.spool.pending(limit=1000)


# watchdog warns from its own thread when a new directory's watch is registered twice (the
# directory and its creation event race); the watch still works.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
async def test_finished_files_are_spooled_once_under_their_final_names(
    watching: Watching,
) -> None:
    root = watching.root
    (root / "plain.csv").write_bytes(b"a,b\n1,2\n")

    part = root / "download.bin.part"
    part.write_bytes(b"\0" * 70_000)
    part.rename(root / "download.bin")

    (root / "new" / "deeper").mkdir(parents=True)
    (root / "new" / "deeper" / "nested.txt").write_text("hello from a new directory")

    spooled = await _spooled(watching.agent, 3)

    assert sorted((f.rel_path, f.size) for f in spooled) == [
        ("download.bin", 70_000),
        ("new/deeper/nested.txt", 26),
        ("plain.csv", 8),
    ]
    assert not any(f.rel_path.endswith(".part") for f in spooled)
    for file in spooled:
        assert file.root == str(root)
        assert file.host == "test-host"
        assert file.mtime_ns == (root / file.rel_path).stat().st_mtime_ns


async def test_a_file_written_in_bursts_is_spooled_once_at_its_final_size(
    watching: Watching,
) -> None:
    path = watching.root / "growing.log"
    with path.open("wb") as handle:
        for _ in range(4):
            handle.write(b"x" * 1000)
            handle.flush()
            await asyncio.sleep(SILENCE / 3)  # pauses shorter than the silence

    spooled = await _spooled(watching.agent, 1)
    assert [(f.rel_path, f.size) for f in spooled] == [("growing.log", 4000)]


async def test_temp_and_hidden_files_are_never_spooled(watching: Watching) -> None:
    root = watching.root
    (root / "still-writing.part").write_bytes(b"partial")
    (root / "editor.swp").write_bytes(b"swap")
    (root / ".hidden").write_text("secret")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]")
    (root / "done.txt").write_text("done")  # proves the agent was watching meanwhile

    spooled = await _spooled(watching.agent, 1)
    assert [f.rel_path for f in spooled] == ["done.txt"]
