"""Pipeline throughput: FileWorkflow end to end against bare Temporal and plain boto3.

    .venv/bin/python -m bench.pipeline                              # 1000 files, 1 GiB
    .venv/bin/python -m bench.pipeline --files 100 --large-mib 64   # quick check

One run, one embedded Temporal dev server and SeaweedFS (free loopback ports, temp state):
- small files: N files through the default plan (upload + verify + DB records) run by the
  real central worker (`sluice.cli.worker.run_worker`, in this process) and the real host worker
  (inside a `sluice agent` child process), started with `start_file_workflow`; against
  (i) the orchestration ceiling, N workflows with one no-op activity on the same server,
  two ways: the activity on the workflow's queue (dispatched eagerly, the target's
  baseline), and on a queue of its own like Sluice's upload (through matching); and N runs
  of FileWorkflow's shape with no work in it (bench/noop.py), which splits what Sluice
  costs into orchestration and work. The four sides are taken in `--rounds` turns, each
  side first in one turn in four, so drifting load on a shared machine hits all; then
  (ii) plain boto3 `put_object` of the same files at the host worker's concurrency.
- large file: one file through the same pipeline against boto3 `upload_file` with the same
  part size and concurrency, `--large-runs` times each (in turn, best run counts), plus the
  agent's peak RSS (VmHWM) and its file reads meanwhile. "Plain boto3" is a client with
  boto3's defaults (each part CRC32-checked and, over HTTP, SHA-256-signed); a second
  baseline uses Sluice's client, whose parts then carry nothing to check.
Numbers and ratios are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from temporalio.client import Client
from temporalio.worker import Worker

from activities.s3 import connection_args, make_s3_client
from bench.noop import HOST_QUEUE, QUEUE, STARTED_WITH, NoopWorkflow, ShapeWorkflow, noop
from bench.procs import CpuUse, PeakRss, rchar
from bench.results import Results, markdown, report
from bench.stack import BUCKET, Stack, quiet_runtime
from bench.upload import write_file
from sluice.cli.worker import run_worker
from sluice.contracts import DetectedFile, FileWorkflowInput, FileWorkflowResult
from sluice.settings import MiB, StorageSettings
from sluice.starts import start_file_workflow

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MB = 1_000_000
STARTS_IN_FLIGHT = 16  # as the agent's Dispatcher
console = Console(stderr=True)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TimeElapsedColumn(), console=console,
    )  # fmt: skip


async def timed_batch(
    progress: Progress,
    bar: str | TaskID,
    jobs: Iterable[Callable[[], Awaitable[object]]],
    total: int,
) -> float:
    """Run `jobs` (each moves one item) all at once, advancing `bar` (a new one if a name);
    returns the seconds."""
    task = progress.add_task(bar, total=total) if isinstance(bar, str) else bar

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        await job()
        progress.advance(task)

    started = time.perf_counter()
    await asyncio.gather(*(one(job) for job in jobs))
    return time.perf_counter() - started


class Pipeline:
    """The three ways of moving the small files, and the three of moving the large one."""

    def __init__(self, stack: Stack, client: Client) -> None:
        self.stack, self.client = stack, client
        self.s3: S3Client = make_s3_client(stack.settings.storage)
        self.plain_s3 = plain_s3_client(stack.settings.storage)
        self.host_queue = stack.settings.agent.host_queue
        self._starts = asyncio.Semaphore(STARTS_IN_FLIGHT)
        self._pool = ThreadPoolExecutor(stack.settings.agent.max_activities)

    async def sluice(
        self, file: DetectedFile, workflow_id: str | None = None
    ) -> FileWorkflowResult:
        async with self._starts:
            handle = await start_file_workflow(
                self.client,
                FileWorkflowInput(file, self.host_queue),
                task_queue=self.stack.settings.temporal.task_queue,
                workflow_id=workflow_id,
            )
        result = await handle.result()
        if result.status != "succeeded" or result.size != file.size:
            raise SystemExit(f"{file.rel_path}: pipeline ended {result}")
        return result

    async def ceiling(self, activity_queue: str) -> None:
        async with self._starts:
            handle = await self.client.start_workflow(
                NoopWorkflow.run, activity_queue, id=f"noop-{uuid.uuid4()}", task_queue=QUEUE
            )
        await handle.result()

    async def shape(self) -> None:
        async with self._starts:
            handle = await self.client.start_workflow(
                ShapeWorkflow.run,
                HOST_QUEUE,
                id=f"shape-{uuid.uuid4()}",
                task_queue=QUEUE,
                search_attributes=STARTED_WITH,
            )
        await handle.result()

    async def boto3_put(self, path: Path) -> None:
        key = f"boto3/{path.relative_to(self.stack.root).as_posix()}"

        def put() -> None:
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

        await asyncio.get_running_loop().run_in_executor(self._pool, put)

    def boto3_large(self, path: Path, on_bytes: Callable[[int], object], client: S3Client) -> None:
        storage = self.stack.settings.storage
        config = TransferConfig(
            multipart_threshold=storage.part_size,
            multipart_chunksize=storage.part_size,
            max_concurrency=storage.part_concurrency,
            use_threads=True,
        )
        key = f"boto3/{path.name}"
        client.upload_file(str(path), BUCKET, key, Config=config, Callback=on_bytes)
        if self.s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] != path.stat().st_size:
            raise SystemExit("boto3 stored the wrong size")


def plain_s3_client(storage: StorageSettings) -> S3Client:
    """boto3's defaults, but for where the server is and the keys."""
    config = Config(s3={"addressing_style": "path"})
    return boto3.client("s3", config=config, **connection_args(storage))


def write_small_files(directory: Path, count: int, size: int) -> None:
    directory.mkdir(parents=True)
    for i in range(count):
        (directory / f"f-{i:05}.log").write_bytes(os.urandom(size))


def write_large_file(path: Path, size: int) -> str:
    write_file(path, size)
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def task_counts(database_url: str) -> dict[str, int]:
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        return dict(db.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall())


async def small_files(
    pipe: Pipeline, small: list[Path], warm: list[Path], rounds: int, res: Results
) -> None:
    detected = {p: pipe.stack.detected(p) for p in [*warm, *small]}  # the agent's work, untimed
    with progress_bar() as progress:
        # Warm-up: the agent's host worker polls and the connections are ready.
        warmups: list[Callable[[], Awaitable[object]]] = [
            *(partial(pipe.sluice, detected[p]) for p in warm),
            *(partial(pipe.ceiling, queue) for _ in warm for queue in (QUEUE, HOST_QUEUE)),
            *(pipe.shape for _ in warm),
            *(partial(pipe.boto3_put, p) for p in warm),
        ]
        await asyncio.wait_for(timed_batch(progress, "warm-up", warmups, len(warmups)), 180)
        n = len(small)
        pids = pipe.stack.pids()
        jobs: dict[str, Callable[[list[Path]], Iterable[Callable[[], Awaitable[object]]]]] = {
            "ceiling": lambda files: (partial(pipe.ceiling, QUEUE) for _ in files),
            "ceiling, own queue": lambda files: (partial(pipe.ceiling, HOST_QUEUE) for _ in files),
            "shape": lambda files: (pipe.shape for _ in files),
            "sluice": lambda files: (partial(pipe.sluice, detected[p]) for p in files),
        }
        bars = {
            "ceiling": progress.add_task("ceiling (no-op, eager)", total=n),
            "ceiling, own queue": progress.add_task("ceiling (no-op, own queue)", total=n),
            "shape": progress.add_task("FileWorkflow's shape, no work", total=n),
            "sluice": progress.add_task("sluice (FileWorkflow)", total=n),
        }
        seconds = dict.fromkeys(jobs, 0.0)
        res.cpu_ms = {side: dict.fromkeys(pids, 0.0) for side in jobs}
        assert pipe.stack.agent is not None
        with PeakRss(pipe.stack.agent.pid) as rss:
            # In turns, each side first in one: all see the same drift in load.
            sides = list(jobs)
            for turn in range(rounds):
                files = small[turn::rounds]
                first = turn % len(sides)
                for side in sides[first:] + sides[:first]:
                    with CpuUse(pids, n) as cpu:
                        batch = jobs[side](files)
                        seconds[side] += await timed_batch(progress, bars[side], batch, len(files))
                    for name, ms in cpu.ms.items():
                        res.cpu_ms[side][name] += ms
        res.rss_mib["small files"] = rss.mib
        for side, took in seconds.items():
            res.rate[side] = n / took
        boto3 = (partial(pipe.boto3_put, p) for p in small)
        res.rate["boto3"] = n / await timed_batch(progress, "boto3 put_object", boto3, n)


async def large_file(pipe: Pipeline, path: Path, sha: str, runs: int, res: Results) -> None:
    file = pipe.stack.detected(path)
    size = file.size
    assert pipe.stack.agent is not None
    pid = pipe.stack.agent.pid
    clients = {"boto3": pipe.plain_s3, "boto3 unchecked": pipe.s3}
    sides = ["sluice", *clients]
    seconds: dict[str, list[float]] = {side: [] for side in sides}
    reads: list[int] = []
    with progress_bar() as progress:
        for run in range(1, runs + 1):
            for side in sides[run % 3 :] + sides[: run % 3]:  # each goes first in turn
                bar = progress.add_task(f"{side} {size // MiB} MiB, run {run}", total=size)
                started = time.perf_counter()
                if side in clients:
                    advance = partial(progress.advance, bar)
                    await asyncio.to_thread(pipe.boto3_large, path, advance, clients[side])
                    seconds[side].append(time.perf_counter() - started)
                    continue
                read_before = rchar(pid)
                with PeakRss(pid) as rss:
                    job = asyncio.ensure_future(pipe.sluice(file, f"large-{uuid.uuid4()}"))
                    while not job.done():  # the agent's file reads show how far it got
                        progress.update(bar, completed=min(size, rchar(pid) - read_before))
                        await asyncio.wait({job}, timeout=0.2)
                    result = job.result()
                seconds[side].append(time.perf_counter() - started)
                reads.append(rchar(pid) - read_before)
                progress.update(bar, completed=size)
                res.rss_mib["large file"] = max(res.rss_mib.get("large file", 0.0), rss.mib)
                if result.sha256 != sha:
                    raise SystemExit(f"Sluice's SHA-256 {result.sha256} is not the file's {sha}")
    for side, times in seconds.items():  # best run each: least disturbed
        res.rate[f"large {side}"] = size / MB / min(times)
    res.agent_reads = min(reads) / size if rchar(pid) else None


async def measure(stack: Stack, args: argparse.Namespace, res: Results) -> None:
    runtime = quiet_runtime(res.warnings)
    client = await Client.connect(stack.settings.temporal.address, runtime=runtime)
    pipe = Pipeline(stack, client)
    central = asyncio.create_task(run_worker(stack.settings, client))
    pool = ThreadPoolExecutor(16, thread_name_prefix="ceiling-activity")
    ceiling = Worker(client, task_queue=QUEUE, workflows=[NoopWorkflow, ShapeWorkflow],
                     activities=[noop], activity_executor=pool)  # fmt: skip
    ceiling_host = Worker(client, task_queue=HOST_QUEUE, activities=[noop], activity_executor=pool)
    try:
        async with ceiling, ceiling_host:
            small = sorted((stack.root / "small").iterdir())
            warm = sorted((stack.root / "warm").iterdir())
            await small_files(pipe, small, warm, args.rounds, res)
        res.records = task_counts(stack.settings.database_url)
        large = stack.root / "large.bin"
        await large_file(pipe, large, args.large_sha, args.large_runs, res)
    finally:
        central.cancel()
        await asyncio.gather(central, return_exceptions=True)
        pool.shutdown(wait=False, cancel_futures=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--files", type=int, default=1000, help="small files (default 1000)")
    parser.add_argument("--small-kib", type=int, default=4, help="small file size in KiB")
    parser.add_argument("--large-mib", type=int, default=1024, help="large file size in MiB")
    parser.add_argument("--large-runs", type=int, default=3, help="large uploads per side")
    parser.add_argument("--rounds", type=int, default=8, help="small-file turns per side")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed files per side")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    began = time.perf_counter()
    res = Results(files=args.files)
    with tempfile.TemporaryDirectory(prefix="sluice-bench-pipeline-") as tmp:
        stack = Stack(Path(tmp))
        try:
            with console.status("starting Temporal and SeaweedFS"):
                stack.start_servers()
            with console.status(f"writing {args.files} small files and {args.large_mib} MiB"):
                write_small_files(stack.root / "small", args.files, args.small_kib * 1024)
                write_small_files(stack.root / "warm", args.warm_up, args.small_kib * 1024)
                args.large_sha = write_large_file(stack.root / "large.bin", args.large_mib * MiB)
            agent = stack.start_agent()  # after the writes: with backfill off it ships none
            console.print(
                f"Temporal on {stack.settings.temporal.address}, SeaweedFS on "
                f"{stack.settings.storage.endpoint_url}, agent pid {agent.pid}"
            )
            asyncio.run(measure(stack, args, res))
        except KeyboardInterrupt:
            console.print("interrupted: stopping the agent and the servers")
            raise SystemExit(130) from None
        except Exception:
            console.print(f"agent log tail:\n{_tail(Path(tmp) / 'agent.log')}")
            raise
        finally:
            with console.status("stopping the agent and the servers"):
                stack.stop_all()
    console.print(f"tasks in the metadata DB by status: {res.records}")
    if res.warnings:
        console.print(f"warnings in the central worker's process: {dict(res.warnings)}")
    Console(width=max(Console().width, 120)).print(report(res, args, time.perf_counter() - began))
    if args.markdown:
        print(markdown(res, args))


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


if __name__ == "__main__":
    main(sys.argv[1:])
