"""A host's resources as the agent samples them and the API shows them (`host_resources`)."""

from __future__ import annotations

from pydantic import BaseModel


class Usage(BaseModel):
    total: int
    used: int
    available: int
    used_ratio: float


class Disk(BaseModel):
    mount: str
    device: str
    fstype: str
    total: int
    used: int
    free: int
    used_ratio: float
    inodes_total: int
    inodes_used: int
    inode_used_ratio: float


class Interface(BaseModel):
    name: str
    rx_bytes_per_s: float
    tx_bytes_per_s: float
    rx_bytes: int
    tx_bytes: int


class Process(BaseModel):
    pid: int
    name: str
    user: str
    cpu_percent: float
    memory_rss: int
    memory_percent: float
    command: str


class Sample(BaseModel):
    at: float  # Unix seconds
    cpu_percent: float
    cpu_count: int
    load1: float
    load5: float
    load15: float
    memory: Usage
    swap: Usage
    disks: list[Disk]
    network: list[Interface]
    top_cpu: list[Process]
    top_memory: list[Process]


class Point(BaseModel):
    """One sample, reduced to what the sparklines draw."""

    at: float
    cpu_percent: float
    load1: float
    memory_used_ratio: float
    swap_used_ratio: float
    rx_bytes_per_s: float
    tx_bytes_per_s: float


class TerminatePolicy(BaseModel):
    enabled: bool
    allow_names: list[str]
    allow_users: list[str]


class HostResources(BaseModel):
    """The latest sample (None until the first is taken) and the short history."""

    agent_id: str
    interval: float
    latest: Sample | None
    history: list[Point]
    terminate: TerminatePolicy


class Terminated(BaseModel):
    pid: int
    name: str
    user: str
    signal: str  # the last signal sent: SIGTERM or SIGKILL
    exited: bool  # gone (or a zombie) by the time the answer was sent
    waited_s: float


def point(sample: Sample) -> Point:
    return Point(
        at=sample.at, cpu_percent=sample.cpu_percent, load1=sample.load1,
        memory_used_ratio=sample.memory.used_ratio, swap_used_ratio=sample.swap.used_ratio,
        rx_bytes_per_s=sum(i.rx_bytes_per_s for i in sample.network),
        tx_bytes_per_s=sum(i.tx_bytes_per_s for i in sample.network),
    )  # fmt: skip
