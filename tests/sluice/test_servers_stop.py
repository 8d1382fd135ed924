"""sluice.cli.servers.stop ends what it was given: a whole process group when the server
leads one (children included), the process itself when it does not."""

from __future__ import annotations

import subprocess
import time

from sluice.cli.servers import stop


def alive(pid: int) -> bool:
    """Running: neither gone nor a zombie (which a container's init may never reap)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_process_outside_its_own_group_is_stopped() -> None:
    proc = subprocess.Popen(["sleep", "60"])
    stop(proc, grace=10)
    assert proc.returncode is not None  # it was signalled and reaped


def test_a_group_leader_is_stopped_with_its_children() -> None:
    proc = subprocess.Popen(
        ["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE, start_new_session=True
    )
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    stop(proc, grace=10)
    assert proc.returncode is not None
    for _ in range(100):  # the signal may take a moment to land
        if not alive(child):
            break
        time.sleep(0.05)
    assert not alive(child)


def test_an_exited_process_is_left_alone() -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()
    stop(proc)
    assert proc.returncode == 0
