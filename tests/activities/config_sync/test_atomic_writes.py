"""The sidecar killed or failing mid-write leaves the old file or the new one, never part of
one: the writes go through a temp file in the same directory, renamed into place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from activities.config_sync.files import write_atomic

ROOT = Path(__file__).parents[3]
OLD = b"old\n" * 1000
NEW = b"new\n" * 250_000  # 1 MB: a kill easily lands inside its write


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".sluice-tmp")]


def test_a_failing_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "rules.yml"
    target.write_bytes(OLD)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, NEW)

    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def run_writer(target: Path, script: str) -> subprocess.Popen[bytes]:
    code = textwrap.dedent(f"""
        import os, signal, sys
        from pathlib import Path
        from activities.config_sync.files import write_atomic
        target = Path({str(target)!r})
        OLD, NEW = b"old\\n" * 1000, b"new\\n" * 250_000
        {script}
    """)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code], env=env)


def test_killed_between_temp_write_and_rename_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "rules.yml"
    target.write_bytes(OLD)
    # The process dies (SIGKILL: no cleanup runs) once the temp file is written and fsynced.
    writer = run_writer(
        target,
        "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
        "        write_atomic(target, NEW)",
    )
    assert writer.wait(30) == -signal.SIGKILL

    assert target.read_bytes() == OLD
    [temp] = leftovers(tmp_path)  # the whole new content, never under the target's name
    assert (tmp_path / temp).read_bytes() == NEW


def test_killed_at_any_moment_the_file_is_old_or_new(tmp_path: Path) -> None:
    target = tmp_path / "rules.yml"
    target.write_bytes(OLD)
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4):
        writer = run_writer(
            target,
            "while True:\n            write_atomic(target, NEW)\n"
            "            write_atomic(target, OLD)",
        )
        time.sleep(delay)
        writer.kill()
        writer.wait(30)
        assert target.read_bytes() in (OLD, NEW), f"partial file after {delay}s"
