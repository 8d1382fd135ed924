"""The scan index: compact, exact about versions, and it forgets files that are gone."""

from __future__ import annotations

import asyncio
import os
import tracemalloc
from pathlib import Path

import pytest

from tests.watcher.harness import clean_env, detecting, spooled
from watcher.scanning import SeenFiles, VersionIndex

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

MTIME = 1_763_000_000_123_456_789


@pytest.fixture(autouse=True)
def _no_sluice_env() -> None:
    clean_env()


def test_versions_are_exact_through_growth() -> None:
    index = VersionIndex()
    paths = [f"/data/inbox/d{i % 97}/file-{i}.log" for i in range(20_000)]
    for i, path in enumerate(paths):
        index.set(path, (i, MTIME + i))
    index.set(paths[7], (8, MTIME))  # a rewritten file replaces its old version

    assert len(index) == 20_000
    assert index.get(paths[0]) == (0, MTIME)
    assert index.get(paths[19_999]) == (19_999, MTIME + 19_999)
    assert index.get(paths[7]) == (8, MTIME)
    assert index.matches(paths[5], (5, MTIME + 5))
    assert not index.matches(paths[5], (5, MTIME + 6))  # touched: a new version
    assert not index.matches(paths[5], (6, MTIME + 5))  # grew
    assert index.get("/data/inbox/never-seen.log") is None


def test_a_version_past_64_bits_never_counts_as_unchanged() -> None:
    index = VersionIndex()
    index.set("/data/inbox/far-future.log", (10, 1 << 70))
    assert len(index) == 1
    assert not index.matches("/data/inbox/far-future.log", (10, 1 << 70))


def test_a_full_walk_forgets_what_it_did_not_see() -> None:
    seen = SeenFiles()
    for i in range(1000):
        seen.handled.set(f"/r/{i}.log", (i, MTIME))
    seen.refused.set("/r/tiny.log", (0, MTIME))
    seen.refused.set("/r/gone-tiny.log", (0, MTIME))

    seen.start_full_walk()
    for i in range(0, 1000, 2):  # half the files are still there, unchanged
        assert seen.unchanged(f"/r/{i}.log", (i, MTIME))
    assert not seen.unchanged("/r/1.log", (1, MTIME + 1))  # there, but changed
    assert seen.unchanged("/r/tiny.log", (0, MTIME))
    seen.handled.set("/r/new.log", (1, MTIME))  # stored during the walk: present
    seen.forget_unmarked()

    assert len(seen.handled) == 502
    assert seen.handled.get("/r/3.log") is None
    assert seen.handled.get("/r/1.log") == (1, MTIME)  # the old version, until re-handled
    assert seen.handled.get("/r/new.log") == (1, MTIME)
    assert len(seen.refused) == 1 and seen.refused.get("/r/tiny.log") == (0, MTIME)


def test_an_index_of_100000_paths_takes_a_few_mib() -> None:
    paths = [f"/data/inbox/d{i // 100:04}/{i % 100}.log" for i in range(100_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = VersionIndex()
        for i, path in enumerate(paths):
            index.set(path, (i, MTIME))
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(index) == 100_000
    # 262,144 slots of 25 bytes. A dict of path -> (size, mtime) tuples takes 12 MiB, plus
    # the path strings it keeps alive (another 7 MiB).
    assert used < 8 * 2**20, f"{used / 2**20:.1f} MiB"


async def test_a_deleted_file_is_forgotten_and_its_return_is_not_shipped_twice(
    tmp_path: Path,
) -> None:
    root = tmp_path / "inbox"
    root.mkdir()
    report = root / "report.csv"
    report.write_text("a,b\n")
    async with detecting(tmp_path, [root.resolve()]) as detection:
        (first,) = await spooled(detection, 1)
        content, st = report.read_bytes(), report.stat()
        report.unlink()
        await asyncio.sleep(0.1)
        assert detection.scan() == 0
        assert len(detection.seen.handled) == 0  # the full walk forgot it

        report.write_bytes(content)  # the same file restored, same size and mtime
        os.utime(report, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert detection.scan() == 0  # the spool knows this version: not shipped again
        assert len(detection.seen.handled) == 1
        report.write_text("a,b\n1,2\n")  # a new version is a new file
        assert detection.scan() == 1
    assert first.rel_path == "report.csv"
