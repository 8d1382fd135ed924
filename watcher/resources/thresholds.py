"""Thresholds on samples, as alerts: pending while a value stays at or above its threshold,
firing once it has for `for`, resolved when it drops back below (or its mount goes). Firing
alerts are kept in a small file beside the spool, so a restarted agent still resolves them.
Time is passed in, so tests need no sleeps."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sluice.host_resources import Sample
from sluice.settings.resources import ResourceSettings, Threshold

log = logging.getLogger("sluice.agent")


@dataclass(frozen=True)
class Reading:
    """One value a threshold applies to: which alert, on what (`mount` or ""), how high."""

    alertname: str
    setting: str
    mount: str
    value: float
    summary: str


@dataclass
class _State:
    since: float  # first breaching sample of this run of them
    firing_at: float = 0.0  # 0 while pending
    sent_at: float = 0.0
    labels: dict[str, str] | None = None


def readings(sample: Sample) -> Iterator[Reading]:
    for disk in sample.disks:
        yield Reading("HostDiskFull", "disk_used_ratio", disk.mount, disk.used_ratio,
                      f"disk {disk.mount} is {disk.used_ratio:.0%} full")  # fmt: skip
        inodes = disk.inode_used_ratio
        yield Reading("HostInodesExhausted", "inode_used_ratio", disk.mount, inodes,
                      f"{inodes:.0%} of the inodes on {disk.mount} used")  # fmt: skip
    memory = sample.memory.used_ratio
    yield Reading("HostMemoryHigh", "memory_used_ratio", "", memory, f"memory {memory:.0%} used")
    per_core = sample.load1 / max(sample.cpu_count, 1)
    yield Reading("HostLoadHigh", "load_per_core", "", per_core,
                  f"load {sample.load1:.2f} on {sample.cpu_count} cores")  # fmt: skip


class Thresholds:
    def __init__(self, path: Path, identity: dict[str, str]) -> None:
        self._path = path
        self.identity = identity  # agent, host and the agent's own labels
        self._states: dict[tuple[str, str], _State] = {}
        self._load()

    def evaluate(self, sample: Sample, cfg: ResourceSettings, now: float) -> list[dict[str, Any]]:
        """The alerts to send for this sample: newly firing, still firing (every `resend`),
        resolved."""
        alerts, seen = [], set()
        for reading in readings(sample):
            threshold: Threshold | None = getattr(cfg.thresholds, reading.setting)
            key = (reading.alertname, reading.mount)
            if threshold is None or reading.value < threshold.above:
                continue
            seen.add(key)
            state = self._states.setdefault(key, _State(since=now))
            if not state.firing_at and now - state.since < threshold.for_:
                continue
            if not state.firing_at:
                state.firing_at = now
            if now - state.sent_at >= cfg.resend or state.labels is None:
                state.labels = self._labels(reading, threshold)
                state.sent_at = now
                alerts.append(_firing(state, reading, threshold))
        for key in [k for k in self._states if k not in seen]:
            state = self._states.pop(key)
            if state.firing_at and state.labels is not None:
                alerts.append(_resolved(state, now))
        if alerts:
            self._save()
        return alerts

    def firing(self) -> list[dict[str, str]]:
        return [s.labels for s in self._states.values() if s.firing_at and s.labels]

    def _labels(self, reading: Reading, threshold: Threshold) -> dict[str, str]:
        labels = {**self.identity, "alertname": reading.alertname,
                  "severity": threshold.severity}  # fmt: skip
        if reading.mount:
            labels["mount"] = reading.mount
        return labels

    def _load(self) -> None:
        try:
            saved = json.loads(self._path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("resource alerts: %s unreadable (%s); starting afresh", self._path, exc)
            return
        for item in saved:
            labels, at = item["labels"], float(item["firing_at"])
            key = (labels["alertname"], labels.get("mount", ""))
            self._states[key] = _State(since=at, firing_at=at, sent_at=at, labels=labels)

    def _save(self) -> None:
        firing = [
            {"labels": s.labels, "firing_at": s.firing_at}
            for s in self._states.values()
            if s.firing_at and s.labels
        ]
        tmp = self._path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(firing))
            tmp.replace(self._path)
        except OSError as exc:  # a full disk must not stop the alert about it
            log.warning("resource alerts: could not save %s: %s", self._path, exc)


def _firing(state: _State, reading: Reading, threshold: Threshold) -> dict[str, Any]:
    assert state.labels is not None
    return {
        "labels": state.labels,
        "annotations": {
            "summary": reading.summary,
            "description": f"{reading.setting} {reading.value:.3f} >= {threshold.above:g} "
            f"for {threshold.for_:g}s",
            "value": f"{reading.value:.4f}",
            "threshold": f"{threshold.above:g}",
        },
        "startsAt": _iso(state.firing_at),
    }


def _resolved(state: _State, now: float) -> dict[str, Any]:
    assert state.labels is not None
    return {"labels": state.labels, "annotations": {"summary": "back below the threshold"},
            "startsAt": _iso(state.firing_at), "endsAt": _iso(now)}  # fmt: skip


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()
