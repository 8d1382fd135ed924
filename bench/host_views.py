"""Host views benchmark: upload throughput with and without ten live follows, same run.

    .venv/bin/python -m bench.host_views [--files 200] [--kib 256] [--rounds 2] [--follows 10]

Starts Temporal, SeaweedFS and `sluice agent` (as deployed, bench/stack.py), runs the central
worker in this process, and ships batches of fresh files through FileWorkflow. Rounds alternate
"quiet" and "followed" batches; during a followed batch, `--follows` followers each poll the
agent once a second for new lines of a log that grows 20 lines a second, exactly as the API's
follow stream does (HostQueryWorkflow → `host_read_from` on the agent's host queue; the HTTP
layer is left out). Prints MB/s per batch and the ratio followed/quiet of the medians.
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

from temporalio.client import Client

from api.services.host_queries import ask_agent
from bench.pipeline import Pipeline
from bench.stack import Stack, quiet_runtime
from sluice.cli.worker import run_worker
from sluice.contracts.host_files import READ_FROM

MB = 1_000_000


async def follower(stack: Stack, client: Client, log: Path, polls: list[int]) -> None:
    root = str(stack.root)
    arg: dict[str, object] = {"root": root, "rel_path": log.name, "offset": -1, "inode": 0}
    while True:
        got = await ask_agent(
            client, stack.settings.temporal.task_queue, stack.agent_id, READ_FROM, dict(arg)
        )
        arg.update(offset=got["offset"], inode=got["inode"])
        polls[0] += 1
        await asyncio.sleep(1.0)


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
    central = asyncio.create_task(run_worker(stack.settings, client))
    rates: dict[str, list[float]] = {"quiet": [], "followed": []}
    log = stack.root / "app.log.part"  # a temp suffix: viewable, never shipped
    log.write_text("start\n")
    try:
        await batch(pipe, stack, max(10, args.files // 10), args.kib * 1024)  # warm-up
        for run in range(args.rounds * 2):
            side = ["quiet", "followed"][(run + run // 2) % 2]  # q f f q q f ...
            polls = [0]
            tasks = []
            if side == "followed":
                tasks = [asyncio.create_task(grow(log))] + [
                    asyncio.create_task(follower(stack, client, log, polls))
                    for _ in range(args.follows)
                ]
                await asyncio.sleep(1.5)
            rate = await batch(pipe, stack, args.files, args.kib * 1024)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            rates[side].append(rate)
            extra = f", {polls[0]} follow polls answered" if side == "followed" else ""
            print(f"run {run + 1}: {side:8} {rate:7.1f} MB/s{extra}", flush=True)
    finally:
        central.cancel()
        await asyncio.gather(central, return_exceptions=True)
    return rates


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
            rates = asyncio.run(measure(stack, args))
        finally:
            with contextlib.suppress(Exception):
                stack.stop_all()
    quiet, followed = statistics.median(rates["quiet"]), statistics.median(rates["followed"])
    print(
        f"\n{args.files} files of {args.kib} KiB per batch, {args.follows} live follows:\n"
        f"quiet    median {quiet:7.1f} MB/s\nfollowed median {followed:7.1f} MB/s\n"
        f"ratio followed/quiet {followed / quiet:.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
