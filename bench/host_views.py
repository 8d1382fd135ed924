"""Host views benchmark: upload throughput with and without ten live follows, same run.

    .venv/bin/python -m bench.host_views [--files 200] [--kib 256] [--rounds 2] [--follows 10]

Starts Temporal, SeaweedFS, `sluice agent` and `sluice worker` as deployed, each in its own
process (bench/stack.py; the follow hub lives in the API, never beside the central worker),
and ships batches of fresh files through FileWorkflow. Each round runs
three batches, in alternating order: "quiet"; "one file", with `--follows` viewers of one log;
and "ten files", with `--follows` viewers each of its own log. All `--follows` logs grow 20
lines a second throughout, quiet batches too, so the ratios measure following, not writing.
The viewers go through the API's follow hub (api/services/follow_hub.py: one shared poll a
second of all the files followed on the agent → HostQueryWorkflow → `host_read_many` on the
agent's view queue), each draining its events as the follow stream does; the HTTP layer is
left out. Prints MB/s per batch, the agent reads answered, and the ratios of the medians
against quiet.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import psutil
from temporalio.client import Client

from api.errors import ApiError
from api.routes.agent_follow import make_hub
from api.services.follow_hub import FollowHub, Viewer
from api.services.host_files import FollowLimits
from bench.pipeline import Pipeline
from bench.stack import Stack, quiet_runtime

MB = 1_000_000
SIDES = ("quiet", "one file", "ten files")


async def viewer(
    hub: FollowHub, stack: Stack, client: Client, log: Path, seen: Counter[str]
) -> None:
    """One follow: join the hub at the end of `log` and read its events until cancelled;
    after an `error` (counted) it follows again, as a person would."""
    key = (stack.agent_id, str(stack.root), log.name)
    while True:
        joined: Viewer | None = None
        try:
            joined, _ = await hub.join(key, -1, 0)
            while True:
                name, data = await joined.next()
                if name == "error":
                    seen[data["code"]] += 1
                    break
                seen["lines"] += len(data.get("lines", []))
        except ApiError as exc:
            seen[exc.code] += 1
            await asyncio.sleep(1.0)
        finally:
            if joined is not None:
                joined.leave()


async def grow(log: Path) -> None:
    with log.open("a") as handle:
        for i in range(10**9):
            handle.write(f"INFO line {i} token=abc\n")
            handle.flush()
            await asyncio.sleep(0.05)


async def batch(pipe: Pipeline, stack: Stack, files: int, size: int) -> float:
    directory = stack.root / f".batch-{uuid.uuid4().hex[:8]}"  # hidden: the agent ships none itself
    directory.mkdir()
    paths = []
    for i in range(files):
        path = directory / f"f{i:05d}.bin"
        path.write_bytes(os.urandom(size))
        paths.append(path)
    started = time.perf_counter()
    await asyncio.gather(*(pipe.sluice(stack.detected(p)) for p in paths))
    return files * size / MB / (time.perf_counter() - started)


async def measure(stack: Stack, args: argparse.Namespace) -> dict[str, list[float]]:
    client = await Client.connect(stack.settings.temporal.address, runtime=quiet_runtime(Counter()))
    pipe = Pipeline(stack, client)
    hub = make_hub(client, stack.settings, FollowLimits())
    rates: dict[str, list[float]] = {side: [] for side in SIDES}
    logs = [stack.root / f"app{i}.log.part" for i in range(args.follows)]  # never shipped
    for log in logs:
        log.write_text("start\n")
    growing = [asyncio.create_task(grow(log)) for log in logs]  # in every batch, quiet too
    try:
        await batch(pipe, stack, max(10, args.files // 10), args.kib * 1024)  # warm-up
        for run in range(args.rounds):
            for side in SIDES if run % 2 == 0 else SIDES[::-1]:
                followed = {"quiet": [], "one file": logs[:1], "ten files": logs}[side]
                seen: Counter[str] = Counter()
                targets = (
                    [followed[i % len(followed)] for i in range(args.follows)] if followed else []
                )
                tasks = [
                    asyncio.create_task(viewer(hub, stack, client, log, seen)) for log in targets
                ]
                began = time.perf_counter()
                await asyncio.sleep(1.5 if tasks else 0)
                before = cpu_seconds(stack)
                rate = await batch(pipe, stack, args.files, args.kib * 1024)
                cpu = {name: after - before[name] for name, after in cpu_seconds(stack).items()}
                reads, took = _reads(hub) + len(followed), time.perf_counter() - began
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                rates[side].append(rate)
                shown = seen.pop("lines", 0)
                errors = ", ".join(f"{n} {code}" for code, n in seen.items()) or "no errors"
                extra = f", {reads} agent reads in {took:.0f}s, {shown} lines shown, {errors}"
                extra = extra if tasks else ""
                print(f"round {run + 1}: {side:9} {rate:7.1f} MB/s{extra}", flush=True)
                print("         CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
    finally:
        for task in growing:
            task.cancel()
        await hub.close()
    return rates


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU time (user + system) used so far by each process of the stack."""
    used = {}
    for name, pid in stack.pids().items():
        times = psutil.Process(pid).cpu_times()
        used[name] = times.user + times.system
    return used


def _reads(hub: FollowHub) -> int:
    """Agent reads by the polls running now (shared polls and catch-ups; the first read of
    each file comes on top)."""
    return sum(
        polls.polls + sum(feed.catch_ups for feed in polls.feeds.values())
        for polls in hub.agents.values()
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--kib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--follows", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sluice-bench-host-views-") as tmp:
        stack = Stack(Path(tmp))
        try:
            stack.start_servers()
            stack.root.mkdir(parents=True, exist_ok=True)
            stack.start_agent()
            stack.start_worker()
            rates = asyncio.run(measure(stack, args))
        finally:
            with contextlib.suppress(Exception):
                stack.stop_all()
    medians = {side: statistics.median(rates[side]) for side in SIDES}
    print(f"\n{args.files} files of {args.kib} KiB per batch, {args.follows} live follows:")
    for side in SIDES:
        ratio = "" if side == "quiet" else f"  ratio {medians[side] / medians['quiet']:.2f}"
        spread = f"{min(rates[side]):.1f} to {max(rates[side]):.1f}"
        print(f"{side:9} median {medians[side]:7.1f} MB/s (range {spread}){ratio}")


if __name__ == "__main__":
    main(sys.argv[1:])
