"""What a process costs, read from /proc: CPU time, peak RSS, bytes read (Linux only)."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


def proc_field(pid: int, file: str, name: str) -> int | None:
    """A number from /proc/<pid>/<file> (status: kB, io: bytes); None if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` has used so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuUse:
    """CPU milliseconds each named process spends over a `with` block, per `items`."""

    def __init__(self, pids: dict[str, int], items: int) -> None:
        self.pids, self.items, self.ms = pids, items, dict.fromkeys(pids, 0.0)

    def __enter__(self) -> CpuUse:
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *exc: object) -> None:
        for name, pid in self.pids.items():
            self.ms[name] = (cpu_seconds(pid) - self._start[name]) * 1000 / self.items


def rchar(pid: int) -> int:
    """Bytes process `pid` got from read()-family calls (files and pipes, not sockets)."""
    return proc_field(pid, "io", "rchar") or 0


class PeakRss:
    """Peak RSS (MiB) of process `pid` over a `with` block: VmHWM reset at entry, and samples."""

    def __init__(self, pid: int) -> None:
        self._pid, self._done, self._kib = pid, threading.Event(), 0

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self._kib = max(self._kib, proc_field(self._pid, "status", "VmRSS") or 0)

    def __enter__(self) -> PeakRss:
        with contextlib.suppress(OSError):  # "5" resets VmHWM to the current RSS (Linux >= 4.0)
            Path(f"/proc/{self._pid}/clear_refs").write_text("5")
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self._kib = max(self._kib, proc_field(self._pid, "status", "VmHWM") or 0)

    @property
    def mib(self) -> float:
        return self._kib / 1024
