"""Resource thresholds: pending for `for`, firing, sent again every `resend`, resolved when
the value drops or its mount goes, and still resolved by an agent restarted meanwhile."""

from __future__ import annotations

from pathlib import Path

from sluice.host_resources import Disk, Sample, Usage
from sluice.settings.resources import ResourceSettings
from watcher.resources.thresholds import Thresholds

CFG = ResourceSettings.model_validate(
    {"resend": 60, "thresholds": {"disk_used_ratio": {"above": 0.8, "for": 10},
                                  "inode_used_ratio": None, "memory_used_ratio": None,
                                  "load_per_core": {"above": 2, "for": 0}}}
)  # fmt: skip
IDENTITY = {"agent": "a1", "host": "h1"}


def sample(disk: float | None, load1: float = 0.1) -> Sample:
    usage = Usage(total=100, used=10, available=90, used_ratio=0.1)
    disks = [] if disk is None else [
        Disk(mount="/data", device="/dev/sdb", fstype="ext4", total=100, used=int(disk * 100),
             free=100 - int(disk * 100), used_ratio=disk, inodes_total=10, inodes_used=1,
             inode_used_ratio=0.1)
    ]  # fmt: skip
    return Sample(at=0, cpu_percent=1, cpu_count=2, load1=load1, load5=0, load15=0,
                  memory=usage, swap=usage, disks=disks, network=[], top_cpu=[],
                  top_memory=[])  # fmt: skip


def names(alerts: list[dict[str, object]]) -> list[tuple[str, str]]:
    return [
        (a["labels"]["alertname"], "resolved" if "endsAt" in a else "firing")  # type: ignore[index]
        for a in alerts
    ]


def test_a_disk_over_its_threshold_fires_after_for_and_resolves(tmp_path: Path) -> None:
    t = Thresholds(tmp_path / "state.json", IDENTITY)
    assert t.evaluate(sample(0.9), CFG, 100) == []  # pending
    assert t.evaluate(sample(0.9), CFG, 105) == []
    fired = t.evaluate(sample(0.9), CFG, 110)
    assert names(fired) == [("HostDiskFull", "firing")]
    assert fired[0]["labels"] == {
        "agent": "a1", "host": "h1", "alertname": "HostDiskFull", "mount": "/data",
        "severity": "warning",
    }  # fmt: skip
    assert t.evaluate(sample(0.9), CFG, 130) == []  # sent: not again before `resend`
    assert names(t.evaluate(sample(0.9), CFG, 171)) == [("HostDiskFull", "firing")]
    resolved = t.evaluate(sample(0.5), CFG, 180)
    assert names(resolved) == [("HostDiskFull", "resolved")]
    assert resolved[0]["labels"] == fired[0]["labels"]


def test_a_dip_below_restarts_the_for_window(tmp_path: Path) -> None:
    t = Thresholds(tmp_path / "state.json", IDENTITY)
    t.evaluate(sample(0.9), CFG, 100)
    assert t.evaluate(sample(0.7), CFG, 108) == []  # never fired: nothing to resolve
    assert t.evaluate(sample(0.9), CFG, 112) == []
    assert names(t.evaluate(sample(0.9), CFG, 122)) == [("HostDiskFull", "firing")]


def test_load_per_core_and_a_vanished_mount(tmp_path: Path) -> None:
    t = Thresholds(tmp_path / "state.json", IDENTITY)
    assert names(t.evaluate(sample(0.1, load1=5), CFG, 0)) == [("HostLoadHigh", "firing")]
    assert names(t.evaluate(sample(0.1, load1=4.2), CFG, 1)) == []  # 2.1 per core: still
    assert names(t.evaluate(sample(0.1, load1=3.9), CFG, 2)) == [("HostLoadHigh", "resolved")]
    t.evaluate(sample(0.95), CFG, 10)
    assert names(t.evaluate(sample(0.95), CFG, 20)) == [("HostDiskFull", "firing")]
    assert names(t.evaluate(sample(None), CFG, 30)) == [("HostDiskFull", "resolved")]


def test_a_restarted_agent_resolves_what_it_left_firing(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Thresholds(state, IDENTITY)
    first.evaluate(sample(0.9), CFG, 100)
    first.evaluate(sample(0.9), CFG, 110)
    second = Thresholds(state, IDENTITY)
    assert second.firing() == first.firing()
    assert names(second.evaluate(sample(0.2), CFG, 200)) == [("HostDiskFull", "resolved")]
    assert Thresholds(state, IDENTITY).firing() == []
