"""The agent's detection path on real inotify: files land in the spool once, by final name."""

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.watcher.harness import SILENCE, detecting, spooled
from watcher.detection import Detection


@dataclass
class Watching:
    detection: Detection
    root: Path


@pytest.fixture
async def watching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Watching]:
    for name in list(os.environ):
        if name.startswith("SLUICE_"):
            monkeypatch.delenv(name)
    root = tmp_path / "inbox"
    root.mkdir()
    async with detecting(tmp_path, [root]) as detection:
        yield Watching(detection, root.resolve())


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

    files = await spooled(watching.detection, 3)

    assert sorted((f.rel_path, f.size) for f in files) == [
        ("download.bin", 70_000),
        ("new/deeper/nested.txt", 26),
        ("plain.csv", 8),
    ]
    assert not any(f.rel_path.endswith(".part") for f in files)
    for file in files:
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

    files = await spooled(watching.detection, 1)
    assert [(f.rel_path, f.size) for f in files] == [("growing.log", 4000)]


async def test_temp_and_hidden_files_are_never_spooled(watching: Watching) -> None:
    root = watching.root
    (root / "still-writing.part").write_bytes(b"partial")
    (root / "editor.swp").write_bytes(b"swap")
    (root / ".hidden").write_text("secret")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]")
    (root / "done.txt").write_text("done")  # proves the agent was watching meanwhile

    files = await spooled(watching.detection, 1)
    assert [f.rel_path for f in files] == ["done.txt"]
