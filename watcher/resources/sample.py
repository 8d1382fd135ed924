"""One sample of the host with psutil. Rates (CPU, network, per-process CPU) are since the
previous sample, so the first one reads them as 0."""

from __future__ import annotations

import os
import time

import psutil

from activities.analyze.secrets import mask
from sluice.host_resources import Disk, Interface, Process, Sample, Usage

# Kernel and memory file systems: no disk to fill (tmpfs is memory, counted there).
PSEUDO_FS = frozenset(
    {
        "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "mqueue",
        "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "fusectl",
        "hugetlbfs", "autofs", "binfmt_misc", "nsfs", "ramfs", "rpc_pipefs", "selinuxfs",
        "efivarfs", "squashfs", "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "nfsd",
    }
)  # fmt: skip
PROCESS_ATTRS = ["pid", "name", "username", "cpu_percent", "memory_info", "memory_percent",
                 "cmdline"]  # fmt: skip
MAX_COMMAND_CHARS = 300


class Sampler:
    """Keeps what rates need between samples: the last network counters and their time."""

    def __init__(self, top: int = 10) -> None:
        self.top = top
        self._net: dict[str, tuple[int, int]] = {}
        self._net_at = 0.0
        psutil.cpu_percent(None)  # starts the CPU interval the first sample reads

    def sample(self) -> Sample:
        now = time.time()
        load1, load5, load15 = os.getloadavg()
        processes = _processes()
        by_cpu = _masked(sorted(processes, key=lambda p: p.cpu_percent, reverse=True)[: self.top])
        by_memory = _masked(sorted(processes, key=lambda p: p.memory_rss, reverse=True)[: self.top])
        return Sample(
            at=now, cpu_percent=psutil.cpu_percent(None), cpu_count=psutil.cpu_count() or 1,
            load1=load1, load5=load5, load15=load15, memory=_memory(), swap=_swap(),
            disks=disks(), network=self._network(now), top_cpu=by_cpu, top_memory=by_memory,
        )  # fmt: skip

    def _network(self, now: float) -> list[Interface]:
        counters = psutil.net_io_counters(pernic=True)
        elapsed = now - self._net_at if self._net_at else 0.0
        found = []
        for name, c in sorted(counters.items()):
            if name == "lo":
                continue
            rx0, tx0 = self._net.get(name, (c.bytes_recv, c.bytes_sent))
            found.append(
                Interface(
                    name=name,
                    rx_bytes=c.bytes_recv,
                    tx_bytes=c.bytes_sent,
                    rx_bytes_per_s=_rate(c.bytes_recv, rx0, elapsed),
                    tx_bytes_per_s=_rate(c.bytes_sent, tx0, elapsed),
                )
            )
        self._net = {name: (c.bytes_recv, c.bytes_sent) for name, c in counters.items()}
        self._net_at = now
        return found


def disks() -> list[Disk]:
    """Mounted file systems with a disk behind them, once per device and size."""
    found, seen = [], set()
    for part in psutil.disk_partitions(all=True):
        if part.fstype in PSEUDO_FS or not os.path.isdir(part.mountpoint):
            continue
        try:
            st = os.statvfs(part.mountpoint)
        except OSError:
            continue
        total = st.f_blocks * st.f_frsize
        key = (part.device, total, st.f_files)
        if total == 0 or key in seen:
            continue
        seen.add(key)
        free = st.f_bavail * st.f_frsize
        used = (st.f_blocks - st.f_bfree) * st.f_frsize
        inodes_used = st.f_files - st.f_ffree
        found.append(
            Disk(
                mount=part.mountpoint,
                device=part.device,
                fstype=part.fstype,
                total=total,
                used=used,
                free=free,
                used_ratio=_ratio(used, used + free),
                inodes_total=st.f_files,
                inodes_used=inodes_used,
                inode_used_ratio=_ratio(inodes_used, st.f_files),
            )
        )
    return found


def _memory() -> Usage:
    m = psutil.virtual_memory()
    used = m.total - m.available
    return Usage(total=m.total, used=used, available=m.available, used_ratio=_ratio(used, m.total))


def _swap() -> Usage:
    s = psutil.swap_memory()
    return Usage(total=s.total, used=s.used, available=s.free, used_ratio=_ratio(s.used, s.total))


def _processes() -> list[Process]:
    found = []
    for proc in psutil.process_iter(PROCESS_ATTRS):
        info = proc.info
        memory = info.get("memory_info")
        found.append(
            Process(
                pid=info["pid"],
                name=info.get("name") or "",
                user=info.get("username") or "",
                cpu_percent=info.get("cpu_percent") or 0.0,
                memory_rss=memory.rss if memory else 0,
                memory_percent=info.get("memory_percent") or 0.0,
                command=" ".join(info.get("cmdline") or [])[:MAX_COMMAND_CHARS],
            )
        )
    return found


def _masked(processes: list[Process]) -> list[Process]:
    """Command lines leave the host: the credentials some carry do not."""
    return [p.model_copy(update={"command": mask(p.command)}) for p in processes]


def _rate(new: int, old: int, elapsed: float) -> float:
    return max(new - old, 0) / elapsed if elapsed > 0 else 0.0


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0
