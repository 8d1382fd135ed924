"""Archive on the host: delete or move inside the roots, idempotent across retries."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.archive import ArchiveActivities
from sluice.contracts import ArchiveRequest, ArchiveResult


def archive(root: Path, name: str, action: str, to: str = "") -> ArchiveResult:
    st = (root / name).stat() if (root / name).exists() else None
    req = ArchiveRequest(
        str(root), name, st.st_size if st else 0, st.st_mtime_ns if st else 0, action, to
    )
    return ActivityEnvironment().run(ArchiveActivities([root]).archive_file, req)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text("done\n")
    return tmp_path


def test_move_keeps_the_relative_path_under_the_destination(root: Path) -> None:
    result = archive(root, "logs/app.log", "move", str(root / ".archive"))

    assert result == ArchiveResult("move", str(root / ".archive" / "logs" / "app.log"))
    assert (root / ".archive" / "logs" / "app.log").read_text() == "done\n"
    assert not (root / "logs" / "app.log").exists()


def test_a_retried_move_finds_the_work_done(root: Path) -> None:
    st = (root / "logs" / "app.log").stat()
    req = ArchiveRequest(
        str(root), "logs/app.log", st.st_size, st.st_mtime_ns, "move", str(root / ".archive")
    )
    activities = ArchiveActivities([root])
    first = ActivityEnvironment().run(activities.archive_file, req)
    again = ActivityEnvironment().run(activities.archive_file, req)

    assert first == again


def test_delete_removes_the_source_and_a_retry_is_harmless(root: Path) -> None:
    st = (root / "logs" / "app.log").stat()
    req = ArchiveRequest(str(root), "logs/app.log", st.st_size, st.st_mtime_ns, "delete")
    activities = ArchiveActivities([root])

    assert ActivityEnvironment().run(activities.archive_file, req).action == "delete"
    assert not (root / "logs" / "app.log").exists()
    assert ActivityEnvironment().run(activities.archive_file, req).action == "delete"


def test_a_file_changed_since_detection_is_not_deleted(root: Path) -> None:
    st = (root / "logs" / "app.log").stat()
    (root / "logs" / "app.log").write_text("rewritten, longer\n")
    req = ArchiveRequest(str(root), "logs/app.log", st.st_size, st.st_mtime_ns, "delete")

    with pytest.raises(ApplicationError) as caught:
        ActivityEnvironment().run(ArchiveActivities([root]).archive_file, req)

    assert caught.value.type == "conflict"
    assert (root / "logs" / "app.log").exists()


@pytest.mark.parametrize("to", ["/tmp/elsewhere", "{root}/../outside"])
def test_destination_outside_the_roots_is_refused(root: Path, to: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        archive(root, "logs/app.log", "move", to.format(root=root))

    assert caught.value.type == "invalid_input" and caught.value.non_retryable
    assert (root / "logs" / "app.log").exists()


def test_existing_target_is_not_overwritten(root: Path) -> None:
    (root / ".archive" / "logs").mkdir(parents=True)
    (root / ".archive" / "logs" / "app.log").write_text("older\n")

    with pytest.raises(ApplicationError) as caught:
        archive(root, "logs/app.log", "move", str(root / ".archive"))

    assert caught.value.type == "conflict"
    assert (root / ".archive" / "logs" / "app.log").read_text() == "older\n"
