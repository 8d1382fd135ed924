"""StabilityTracker: a file is ready once its size and mtime stay unchanged for `silence`."""

import os
from pathlib import Path

from watcher.stability import StabilityTracker

SILENCE = 5.0


def _append(path: Path, data: bytes, mtime_ns: int) -> None:
    """Grow the file and give it an explicit mtime, so a change never hides in mtime granularity."""
    with path.open("ab") as handle:
        handle.write(data)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_file_settles_only_after_silence_without_changes(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    tracker = StabilityTracker(SILENCE)

    tracker.touch(path, now=100.0)
    assert tracker.settled(now=100.0) == []
    assert tracker.settled(now=104.9) == []
    assert len(tracker) == 1

    ready = tracker.settled(now=105.0)
    assert [(p, st.st_size) for p, st in ready] == [(path, 8)]
    assert len(tracker) == 0
    assert tracker.settled(now=200.0) == []  # reported once, then forgotten


def test_a_growing_file_restarts_the_window_and_is_reported_once_at_its_final_size(
    tmp_path: Path,
) -> None:
    path = tmp_path / "video.mp4"
    _append(path, b"x" * 10, mtime_ns=1_000_000_000)
    tracker = StabilityTracker(SILENCE)
    tracker.touch(path, now=0.0)

    # The writer keeps appending every 3 s, less than the silence: never ready while it grows.
    for step in range(1, 5):
        _append(path, b"x" * 10, mtime_ns=(1 + step) * 1_000_000_000)
        assert tracker.settled(now=3.0 * step) == []

    # Last write observed at t=12: ready at t=17, not before.
    assert tracker.settled(now=16.9) == []
    ready = tracker.settled(now=17.0)
    assert [(p, st.st_size) for p, st in ready] == [(path, 50)]
    assert tracker.settled(now=30.0) == []


def test_a_touch_restarts_the_window(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"1")
    tracker = StabilityTracker(SILENCE)
    tracker.touch(path, now=0.0)
    tracker.touch(path, now=4.0)  # another close/write event seen
    assert tracker.settled(now=5.0) == []
    assert [p for p, _ in tracker.settled(now=9.0)] == [path]


def test_a_file_deleted_before_it_settles_is_never_reported(tmp_path: Path) -> None:
    kept = tmp_path / "kept.txt"
    gone = tmp_path / "gone.txt"
    kept.write_text("stay")
    gone.write_text("go")
    tracker = StabilityTracker(SILENCE)
    tracker.touch(kept, now=0.0)
    tracker.touch(gone, now=0.0)

    gone.unlink()
    assert [p for p, _ in tracker.settled(now=10.0)] == [kept]
    assert len(tracker) == 0


def test_touching_a_missing_path_is_ignored(tmp_path: Path) -> None:
    tracker = StabilityTracker(SILENCE)
    tracker.touch(tmp_path / "never-existed.txt", now=0.0)
    assert len(tracker) == 0
    assert tracker.settled(now=100.0) == []


def test_forget_drops_a_pending_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    tracker = StabilityTracker(SILENCE)
    tracker.touch(path, now=0.0)
    tracker.forget(path)
    assert tracker.settled(now=100.0) == []
