"""Detection on real inotify: several roots, new subdirectories, filters, symlinks, fallbacks."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tests.watcher.harness import SILENCE, clean_env, detecting, spooled
from watcher.watching import AgentConfigError, check_watchable, checked_roots

pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


@pytest.fixture(autouse=True)
def _no_sluice_env() -> None:
    clean_env()


def _roots(tmp_path: Path, *names: str) -> list[Path]:
    roots = [tmp_path / name for name in names]
    for root in roots:
        root.mkdir()
    return [root.resolve() for root in roots]


async def test_several_roots_and_nested_new_directories_are_watched(tmp_path: Path) -> None:
    logs, dumps = _roots(tmp_path, "logs", "dumps")
    async with detecting(tmp_path, [logs, dumps]) as detection:
        (logs / "a" / "b" / "c").mkdir(parents=True)
        (logs / "a" / "b" / "c" / "deep.log").write_text("deep")
        (dumps / "heap.hprof").write_bytes(b"\0" * 1000)
        (dumps / "2026" / "11").mkdir(parents=True)
        await asyncio.sleep(0.1)
        (dumps / "2026" / "11" / "later.hprof").write_bytes(b"\1" * 10)

        files = await spooled(detection, 3)

    assert sorted((f.root, f.rel_path) for f in files) == [
        (str(dumps), "2026/11/later.hprof"),
        (str(dumps), "heap.hprof"),
        (str(logs), "a/b/c/deep.log"),
    ]


async def test_a_directory_moved_in_with_files_is_picked_up(tmp_path: Path) -> None:
    (root,) = _roots(tmp_path, "inbox")
    outside = tmp_path / "staging" / "batch"
    (outside / "inner").mkdir(parents=True)
    (outside / "one.csv").write_text("1")
    (outside / "inner" / "two.csv").write_text("2")
    async with detecting(tmp_path, [root]) as detection:
        os.rename(outside, root / "batch")
        files = await spooled(detection, 2)
    assert sorted(f.rel_path for f in files) == ["batch/inner/two.csv", "batch/one.csv"]


async def test_exclusions_globs_and_size_limits(tmp_path: Path) -> None:
    (root,) = _roots(tmp_path, "inbox")
    async with detecting(
        tmp_path,
        [root],
        include_suffixes=[".log"],
        include_globs=["**/dumps/*.hprof"],
        exclude_dirs=["cache", "app/archive"],
        exclude_globs=["*-debug.log"],
        min_size=2,
        max_size=1000,
    ) as detection:
        for rel, size in [
            ("app/server.log", 10),  # shipped: included suffix
            ("x/dumps/heap.hprof", 100),  # shipped: included glob
            ("other/heap.hprof", 100),  # no: glob wants a dumps/ directory
            ("notes.txt", 10),  # no: neither suffix nor glob
            ("cache/server.log", 10),  # no: excluded directory name at any depth
            ("app/archive/old.log", 10),  # no: excluded directory path
            ("app/archive2/kept.log", 10),  # shipped: only the exact path is excluded
            ("app/server-debug.log", 10),  # no: excluded glob
            ("tiny.log", 1),  # no: below min_size
            ("huge.log", 1001),  # no: above max_size
        ]:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x" * size)
        files = await spooled(detection, 3)
    assert sorted(f.rel_path for f in files) == [
        "app/archive2/kept.log",
        "app/server.log",
        "x/dumps/heap.hprof",
    ]
    assert detection.metrics.events.labels("filtered")._value.get() > 0


async def test_symlinks_escaping_a_root_are_refused(tmp_path: Path) -> None:
    (root,) = _roots(tmp_path, "inbox")
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    (root / "inside.txt").write_text("fine")
    async with detecting(tmp_path, [root]) as detection:
        (root / "escape.txt").symlink_to(secret)
        (root / "alias.txt").symlink_to(root / "inside.txt")  # stays inside: allowed
        (root / "proof.txt").write_text("watching")
        files = await spooled(detection, 2)
        assert detection.scan() == 0  # the reconcile scan refuses it too
    assert sorted(f.rel_path for f in files) == ["alias.txt", "inside.txt", "proof.txt"]
    assert detection.metrics.errors.labels("symlink_escape")._value.get() >= 1


async def test_close_after_write_settles_before_the_silence_window(tmp_path: Path) -> None:
    (root,) = _roots(tmp_path, "inbox")
    async with detecting(tmp_path, [root], silence=3600, close_settle=SILENCE) as detection:
        with (root / "closed.bin").open("wb") as handle:
            handle.write(b"done")
        files = await spooled(detection, 1)
    assert [f.rel_path for f in files] == ["closed.bin"]  # an hour of silence not needed


async def test_polling_observer_is_the_configured_fallback(tmp_path: Path) -> None:
    (root,) = _roots(tmp_path, "inbox")
    async with detecting(tmp_path, [root], observer="polling", poll_interval=0.2) as detection:
        assert detection.watcher is not None and detection.watcher.kind == "polling"
        (root / "nfs.log").write_text("from a network filesystem")
        files = await spooled(detection, 1)
    assert [f.rel_path for f in files] == ["nfs.log"]


async def test_files_present_at_start_are_found_and_handled_ones_skipped(tmp_path: Path) -> None:
    (root,) = _roots(tmp_path, "inbox")
    (root / "while-down.log").write_text("written while the agent was stopped")
    async with detecting(tmp_path, [root]) as detection:
        first = await spooled(detection, 1)
    assert [f.rel_path for f in first] == ["while-down.log"]
    async with detecting(tmp_path, [root]) as detection:  # restart on the same spool
        assert detection.scan() == 0
        (root / "while-down.log").write_text("rewritten: a new version")
        assert detection.scan() == 1


async def test_backfill_off_records_existing_files_without_shipping_them(tmp_path: Path) -> None:
    (root,) = _roots(tmp_path, "inbox")
    (root / "old.log").write_text("from before the migration")
    async with detecting(tmp_path, [root], backfill=False) as detection:
        (root / "new.log").write_text("after")
        files = await spooled(detection, 1)
    assert [f.rel_path for f in files] == ["new.log"]


def test_start_up_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(AgentConfigError, match="does not exist"):
        checked_roots([tmp_path / "missing"])
    root = tmp_path / "many"
    for i in range(12):
        (root / f"d{i}").mkdir(parents=True)
    with pytest.raises(AgentConfigError) as info:
        check_watchable([root], limit=10)
    assert "13 directories" in str(info.value)
    assert "sudo sysctl fs.inotify.max_user_watches=524288" in str(info.value)
    assert check_watchable([root], limit=100) == 13


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory")
def test_unreadable_directory_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "root" / "locked"
    locked.mkdir(parents=True)
    locked.chmod(0)
    try:
        with pytest.raises(AgentConfigError, match="locked"):
            check_watchable([tmp_path / "root"], limit=1000)
    finally:
        locked.chmod(0o755)
