"""The host's series on the agent's /metrics (`sluice_host_*`), set from each sample."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from sluice.host_resources import Sample


class HostMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.cpu = Gauge("sluice_host_cpu_percent", "CPU busy, all cores, percent", registry=r)
        self.cpu_count = Gauge("sluice_host_cpu_count", "Logical CPUs", registry=r)
        self.load = {
            n: Gauge(f"sluice_host_load{n}", f"Load average over {n} min", registry=r)
            for n in (1, 5, 15)
        }
        self.memory = Gauge(
            "sluice_host_memory_used_ratio", "Memory used (total - available) / total", registry=r
        )
        self.memory_total = Gauge("sluice_host_memory_total_bytes", "Memory", registry=r)
        self.swap = Gauge("sluice_host_swap_used_ratio", "Swap used / total", registry=r)
        self.disk = Gauge(
            "sluice_host_disk_used_ratio", "Disk space used, per mount", ["mount"], registry=r
        )
        self.disk_free = Gauge(
            "sluice_host_disk_free_bytes", "Disk space free, per mount", ["mount"], registry=r
        )
        self.inodes = Gauge(
            "sluice_host_inode_used_ratio", "Inodes used, per mount", ["mount"], registry=r
        )
        self.rx = Gauge(
            "sluice_host_network_receive_bytes_per_second", "Received, per interface",
            ["interface"], registry=r,
        )  # fmt: skip
        self.tx = Gauge(
            "sluice_host_network_transmit_bytes_per_second", "Sent, per interface",
            ["interface"], registry=r,
        )  # fmt: skip

    def update(self, sample: Sample) -> None:
        self.cpu.set(sample.cpu_percent)
        self.cpu_count.set(sample.cpu_count)
        for n, value in ((1, sample.load1), (5, sample.load5), (15, sample.load15)):
            self.load[n].set(value)
        self.memory.set(sample.memory.used_ratio)
        self.memory_total.set(sample.memory.total)
        self.swap.set(sample.swap.used_ratio)
        for gauge in (self.disk, self.disk_free, self.inodes, self.rx, self.tx):
            gauge.clear()  # a mount or interface that went away goes from /metrics too
        for disk in sample.disks:
            self.disk.labels(disk.mount).set(disk.used_ratio)
            self.disk_free.labels(disk.mount).set(disk.free)
            self.inodes.labels(disk.mount).set(disk.inode_used_ratio)
        for interface in sample.network:
            self.rx.labels(interface.name).set(interface.rx_bytes_per_s)
            self.tx.labels(interface.name).set(interface.tx_bytes_per_s)
