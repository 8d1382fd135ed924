"""The host's stat of a manually named file: OS refusals are classified and say no more."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.errors import classify
from activities.stat import StatActivities, StatRequest


def stat(root: Path, rel_path: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        request = StatRequest(str(root), rel_path)
        ActivityEnvironment().run(StatActivities([root]).stat_file, request)
    return caught.value


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "inbox"
    path.mkdir()
    (path / "plain.log").write_text("x\n")
    (path / "loop-a").symlink_to(path / "loop-b")
    (path / "loop-b").symlink_to(path / "loop-a")
    return path


@pytest.mark.parametrize(
    ("rel_path", "reason"),
    [
        ("x" * 300 + ".log", "ENAMETOOLONG"),  # a component over NAME_MAX
        ("plain.log/child.log", "ENOTDIR"),  # a file used as a directory
        ("loop-a", "ELOOP"),  # symlinks that lead to each other
    ],
)
def test_a_path_the_os_refuses_is_invalid_input_at_once(
    root: Path, rel_path: str, reason: str
) -> None:
    refused = stat(root, rel_path)

    assert (refused.type, refused.non_retryable) == ("invalid_input", True)
    assert reason in refused.message and rel_path in refused.message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EACCES, ("auth", False)),  # the tests run as root: no real EACCES here
        (errno.EPERM, ("auth", False)),
        (errno.EISDIR, ("invalid_input", False)),
        (errno.ENOENT, ("not_found", False)),
        (errno.EIO, ("unknown", True)),  # may pass: tried again
        (errno.ENOSPC, ("unknown", True)),
    ],
)
def test_os_errors_are_classified_by_errno(code: int, expected: tuple[str, bool]) -> None:
    assert classify(OSError(code, "x")) == expected


def test_a_link_out_of_the_root_does_not_say_where_it_leads(root: Path, tmp_path: Path) -> None:
    secret_dir = tmp_path / "private-area"
    secret_dir.mkdir()
    (secret_dir / "secret.txt").write_text("not yours\n")
    (root / "escape.txt").symlink_to(secret_dir / "secret.txt")

    refused = stat(root, "escape.txt")

    assert refused.type == "invalid_input"
    assert "outside the agent's roots" in refused.message
    assert "private-area" not in refused.message and "secret.txt" not in refused.message
