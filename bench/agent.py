"""Agent benchmark: detection-to-dispatch latency, burst dispatch rate, idle cost of watching.

    .venv/bin/python -m bench.agent                                # defaults below
    .venv/bin/python -m bench.agent --latency-files 50 --burst 10000 --idle-files 100000

Runs against a private Temporal dev server (no worker: only starts are measured).
- latency: files written one at a time; time from the write to the workflow start, minus
  the silence window, p50/p95. Baseline: the same files started directly by a client as
  soon as they are written (what an agent without settling and spooling would cost).
- burst: N files at once; files per second from the first write to the last start, against
  a baseline of N direct `start_workflow` calls at the same concurrency.
- idle: `sluice agent` (backfill off) watching M files in M/100 directories, once its
  start-up scan has recorded them all: CPU % of one core, RSS and peak RSS over
  `--idle-seconds` (a multiple of `--scan-interval`, so the window holds whole reconcile
  scans), against a baseline process that imports the same modules and sleeps.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import yaml
from temporalio.client import Client

from activities.s3 import make_s3_client
from bench.servers import OwnTemporal
from sluice.settings import Settings, load_settings
from watcher.agent import Agent
from watcher.spool import spool_states

SILENCE = 1.0


def _settings(work: Path, temporal: OwnTemporal, **agent: object) -> tuple[Path, Settings]:
    inbox = work / f"inbox-{uuid.uuid4().hex[:6]}"
    inbox.mkdir()
    return inbox, load_settings(
        temporal={"address": temporal.address, "task_queue": f"bench-{uuid.uuid4().hex[:6]}"},
        agent={
            "id": f"bench-{uuid.uuid4().hex[:8]}", "roots": [str(inbox)], "silence": SILENCE,
            "spool_path": str(inbox.parent / f"{inbox.name}.spool.db"), "metrics_port": None,
            "max_in_flight": 0, "dispatch_rate": 0, **agent,
        },
    )  # fmt: skip


async def latency(work: Path, temporal: OwnTemporal, n: int) -> tuple[list[float], list[float]]:
    inbox, settings = _settings(work, temporal)
    client = await Client.connect(temporal.address)
    agent = Agent(settings, client, make_s3_client(settings.storage))
    task = asyncio.create_task(agent.run())
    await asyncio.sleep(1)
    sluice: list[float] = []
    for i in range(n):
        written = time.monotonic()
        (inbox / f"l{i}.log").write_text(str(i))
        while agent.spool.count("dispatched") <= i:
            await asyncio.sleep(0.005)
        sluice.append(time.monotonic() - written - SILENCE)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    baseline: list[float] = []
    for i in range(n):
        written = time.monotonic()
        (inbox / f"b{i}.log").write_text(str(i))
        await client.start_workflow(
            "FileWorkflow", id=f"b-{uuid.uuid4()}", task_queue="bench-baseline"
        )
        baseline.append(time.monotonic() - written)
    return sluice, baseline


async def burst(work: Path, temporal: OwnTemporal, n: int) -> tuple[float, float]:
    inbox, settings = _settings(work, temporal, silence=0.5, scan_interval=5)
    client = await Client.connect(temporal.address)
    agent = Agent(settings, client, make_s3_client(settings.storage))
    task = asyncio.create_task(agent.run())
    await asyncio.sleep(1)
    started = time.monotonic()
    for d in range(max(1, n // 100)):
        (inbox / f"d{d}").mkdir()
        for i in range(min(100, n)):
            (inbox / f"d{d}" / f"{i}.log").write_text(str(i))
    while agent.spool.count("dispatched") < n:
        await asyncio.sleep(0.1)
    sluice_rate = n / (time.monotonic() - started)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    gate = asyncio.Semaphore(16)

    async def start(i: int) -> None:
        async with gate:
            await client.start_workflow(
                "FileWorkflow", id=f"burst-{uuid.uuid4()}", task_queue="bench-baseline"
            )

    started = time.monotonic()
    await asyncio.gather(*(start(i) for i in range(n)))
    return sluice_rate, n / (time.monotonic() - started)


def _cpu_rss(pid: int) -> tuple[float, int, int]:
    """CPU seconds used so far, current RSS and peak RSS (VmHWM), in bytes."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    kib = (int(status[name].split()[0]) * 1024 for name in ("VmRSS", "VmHWM"))
    return (int(fields[11]) + int(fields[12])) / ticks, next(kib), next(kib)


def _idle(
    argv: list[str], seconds: float, ready: Callable[[], bool], env: dict[str, str]
) -> tuple[float, int, int]:
    """CPU % of one core, RSS and peak RSS over `seconds`, once `ready()` and 5 s more."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ready():
            if proc.poll() is not None:
                raise SystemExit(f"{argv[-1]} exited with {proc.returncode} before it was ready")
            time.sleep(0.5)
        time.sleep(5.0)
        cpu0, _, _ = _cpu_rss(proc.pid)
        time.sleep(seconds)
        cpu1, rss, peak = _cpu_rss(proc.pid)
        return 100 * (cpu1 - cpu0) / seconds, rss, peak
    finally:
        proc.terminate()
        proc.wait(30)


def idle(
    work: Path, temporal: OwnTemporal, files: int, seconds: float, scan_interval: float = 60.0
) -> dict[str, float]:
    inbox = work / "idle"
    for d in range(max(1, files // 100)):
        (inbox / f"d{d:04}").mkdir(parents=True)
        for i in range(100):
            (inbox / f"d{d:04}" / f"{i}.log").write_bytes(b"x")
    config, spool = work / "idle.yaml", work / "idle-spool.db"
    config.write_text(yaml.safe_dump({
        "temporal": {"address": temporal.address},
        "agent": {"id": "bench-idle", "roots": [str(inbox)], "backfill": False,
                  "scan_interval": scan_interval, "spool_path": str(spool),
                  "metrics_port": None},
    }))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    agent_cpu, agent_rss, agent_peak = _idle(
        [sys.executable, "-m", "sluice.cli", "agent", "--config", str(config)],
        seconds,
        lambda: spool_states(spool).get("baseline", 0) >= files,  # start-up scan done
        env,
    )
    sleeper = "import watcher.agent, time; time.sleep(10**6)"
    base_cpu, base_rss, _ = _idle([sys.executable, "-c", sleeper], seconds, lambda: True, env)
    return {"agent_cpu": agent_cpu, "agent_rss": agent_rss / 2**20,
            "agent_peak": agent_peak / 2**20,
            "base_cpu": base_cpu, "base_rss": base_rss / 2**20}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-files", type=int, default=50)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--idle-files", type=int, default=100_000)
    parser.add_argument("--idle-seconds", type=float, default=300.0)
    parser.add_argument("--scan-interval", type=float, default=300.0)
    parser.add_argument(
        "--only", choices=["latency", "burst", "idle"], action="append",
        help="run only these parts (repeatable); default all",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sluice-bench-agent-") as tmp:
        work = Path(tmp)
        temporal = OwnTemporal(work / "temporal")
        temporal.start()
        try:
            parts = args.only or ["latency", "burst", "idle"]
            if "latency" in parts:
                lat, base = asyncio.run(latency(work, temporal, args.latency_files))
                q = statistics.quantiles
                print(f"latency beyond silence ({SILENCE:.0f}s), {args.latency_files} files: "
                      f"p50 {statistics.median(lat):.3f}s p95 {q(lat, n=20)[18]:.3f}s; "
                      f"baseline direct start p50 {statistics.median(base):.3f}s "
                      f"p95 {q(base, n=20)[18]:.3f}s")  # fmt: skip
            if "burst" in parts:
                rate, base_rate = asyncio.run(burst(work, temporal, args.burst))
                print(f"burst {args.burst} files: agent {rate:.0f} files/s, direct starts "
                      f"{base_rate:.0f}/s, ratio {rate / base_rate:.2f}")  # fmt: skip
            if "idle" not in parts:
                return
            r = idle(work, temporal, args.idle_files, args.idle_seconds, args.scan_interval)
            ratio = r["agent_rss"] / r["base_rss"]
            print(f"idle watching {args.idle_files} files: agent CPU {r['agent_cpu']:.2f}% "
                  f"RSS {r['agent_rss']:.0f} MiB (peak {r['agent_peak']:.0f} MiB); "
                  f"baseline CPU {r['base_cpu']:.2f}% RSS {r['base_rss']:.0f} MiB; "
                  f"RSS ratio {ratio:.2f}")  # fmt: skip
        finally:
            temporal.stop()


if __name__ == "__main__":
    main()
