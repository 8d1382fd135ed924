"""SpoolStore: every detected file is recorded durably, once, until it is dispatched."""

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sluice.contracts import DetectedFile
from watcher.spool import SpoolStore


def _file(rel_path: str, size: int = 10, mtime_ns: int = 1_700_000_000_000_000_000) -> DetectedFile:
    return DetectedFile(
        agent_id="agent-1",
        host="host-1",
        root="/data/inbox",
        rel_path=rel_path,
        size=size,
        mtime_ns=mtime_ns,
        detected_at="2026-01-02T03:04:05+00:00",
    )


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[SpoolStore]:
    store = SpoolStore(tmp_path / "state" / "spool.db")
    yield store
    store.close()


def test_a_file_spools_once(spool: SpoolStore) -> None:
    file = _file("a.csv")
    assert spool.add(file) is True
    assert spool.add(file) is False
    # Seen again later with another detection time: still the same file.
    assert spool.add(dataclasses.replace(file, detected_at="2026-01-03T00:00:00+00:00")) is False
    assert spool.pending() == [file]
    assert spool.depth() == 1


def test_a_rewritten_file_is_a_new_entry(spool: SpoolStore) -> None:
    assert spool.add(_file("a.csv", size=10))
    assert spool.add(_file("a.csv", size=20))
    assert spool.add(_file("a.csv", size=20, mtime_ns=5))
    assert spool.depth() == 3


def test_pending_lists_files_in_detection_order_with_every_field(spool: SpoolStore) -> None:
    files = [_file(f"dir/{i}.bin", size=i) for i in range(5)]
    for file in files:
        spool.add(file)
    assert spool.pending() == files
    assert spool.pending(limit=2) == files[:2]


def test_dispatched_files_leave_pending_but_stay_known(spool: SpoolStore) -> None:
    a, b = _file("a.csv"), _file("b.csv")
    spool.add(a)
    spool.add(b)
    spool.mark_dispatched(a.file_event_id)

    assert spool.pending() == [b]
    assert spool.depth() == 1
    assert spool.known(a.file_event_id)
    assert spool.known(b.file_event_id)
    assert not spool.known(_file("c.csv").file_event_id)
    assert spool.add(a) is False  # dispatched files are not spooled again


def test_a_failed_dispatch_stays_pending_for_retry(spool: SpoolStore) -> None:
    a = _file("a.csv")
    spool.add(a)
    spool.mark_failed(a.file_event_id, "Temporal unreachable")
    spool.mark_failed(a.file_event_id, "x" * 5000)
    assert spool.pending() == [a]
    assert spool.depth() == 1


def test_the_spool_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "spool.db"
    a, b, c = _file("a.csv"), _file("b.csv"), _file("c.csv")
    first = SpoolStore(path)
    for file in (a, b, c):
        first.add(file)
    first.mark_dispatched(b.file_event_id)
    first.mark_failed(c.file_event_id, "boom")
    first.close()

    reopened = SpoolStore(path)
    try:
        assert reopened.pending() == [a, c]
        assert reopened.depth() == 2
        assert reopened.known(b.file_event_id)
        assert reopened.add(a) is False
        assert reopened.add(b) is False
    finally:
        reopened.close()


def test_prune_drops_only_dispatched_entries_older_than_the_cutoff(spool: SpoolStore) -> None:
    old, recent, waiting = _file("old.csv"), _file("recent.csv"), _file("waiting.csv")
    for file in (old, recent, waiting):
        spool.add(file)
    spool.mark_dispatched(old.file_event_id)
    time.sleep(1.0)  # prune compares against wall-clock dispatch times
    spool.mark_dispatched(recent.file_event_id)

    assert spool.prune(older_than=0.5) == 1
    assert not spool.known(old.file_event_id)
    assert spool.known(recent.file_event_id)
    assert spool.known(waiting.file_event_id)
    assert spool.pending() == [waiting]

    assert spool.prune(older_than=0) == 1  # recent goes too; the pending one never does
    assert spool.known(waiting.file_event_id)
    assert spool.depth() == 1
