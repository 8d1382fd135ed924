"""Pipeline throughput: FileWorkflow end to end against bare Temporal and plain boto3.

    .venv/bin/python -m bench.pipeline                              # 1000 files, 1 GiB
    .venv/bin/python -m bench.pipeline --files 100 --large-mib 64   # quick check

One run, one embedded Temporal dev server and SeaweedFS (free loopback ports, temp state):
- small files: N files through the default plan (upload + verify + DB records) run by the
  real central worker (`sluice.worker.run_worker`, in this process) and the real host worker
  (inside a `sluice agent` child process), started with `start_file_workflow`; against
  (i) the orchestration ceiling, N workflows with one no-op activity on the same server,
  and (ii) plain boto3 `put_object` of the same files at the host worker's concurrency.
- large file: one file through the same pipeline against boto3 `upload_file` with the same
  part size and concurrency, `--large-runs` times each (alternating, best run counts), plus
  the agent's peak RSS (VmHWM) and its file reads meanwhile.
Numbers and ratios are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from subprocess import Popen
from typing import TYPE_CHECKING

from boto3.s3.transfer import TransferConfig
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.worker import Worker

from activities.s3 import ensure_bucket, make_s3_client
from api.db import migrate
from bench.noop import NoopWorkflow, noop
from bench.upload import free_port_with_grpc, write_file
from sluice.contracts import DetectedFile, FileWorkflowInput, FileWorkflowResult
from sluice.servers import ServerSpec, seaweed_spec, stop, temporal_spec
from sluice.settings import MiB, Settings, load_settings
from sluice.starts import start_file_workflow
from sluice.worker import cache_bytecode, run_worker

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "sluice-bench"
MB = 1_000_000
STARTS_IN_FLIGHT = 16  # as the agent's Dispatcher
console = Console(stderr=True)


@dataclass
class Results:
    files: int = 0
    rate: dict[str, float] = field(default_factory=dict)  # files/s, or MB/s for "large ..."
    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # phase: process: per file
    agent_reads: float | None = None  # bytes the agent read / large file size
    records: dict[str, int] = field(default_factory=dict)
    warnings: Counter[str] = field(default_factory=Counter)  # see CountingHandler


class CountingHandler(logging.Handler):
    """Counts warnings by kind: Core's by code (TMPRL1104: a workflow task over 5 s), failed
    activity attempts by exception (the workflow retries them; they still cost time)."""

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(logging.WARNING)
        self.counts = counts

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        code = re.search(r"TMPRL\d+|'activity_type': '(\w+)'", message)
        kind = (code.group(1) or code.group(0)) if code else message[:60]
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            kind += f" failed: {type(exc).__name__}: {str(exc).splitlines()[0][:60]}"
        self.counts[kind] += 1


def quiet_runtime(counts: Counter[str]) -> Runtime:
    """Core's and the activity workers' warnings counted, not printed across the bars."""
    for name in ("bench.pipeline.core", "temporalio.activity"):
        logging.getLogger(name).propagate = False
        logging.getLogger(name).addHandler(CountingHandler(counts))
    core = logging.getLogger("bench.pipeline.core")
    forwarding = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=core),
    )
    return Runtime(telemetry=TelemetryConfig(logging=forwarding))


class Stack:
    """The servers, the metadata DB, and the settings both workers and the agent use."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.root = tmp, tmp / "files"
        self.temporal_port = free_port_with_grpc()
        self.s3_ports = [free_port_with_grpc() for _ in range(4)]
        self.procs: list[Popen[bytes]] = []
        self.agent: Popen[bytes] | None = None
        self.agent_id = f"bench-{uuid.uuid4().hex[:8]}"
        self.settings: Settings = load_settings(
            database_url=f"sqlite:///{tmp}/sluice.db",
            temporal={"address": f"127.0.0.1:{self.temporal_port}", "task_queue": "bench"},
            storage={"endpoint_url": f"http://127.0.0.1:{self.s3_ports[0]}", "bucket": BUCKET},
            agent={"id": self.agent_id, "hostname": "bench", "roots": [str(self.root)]},
            pipeline={"shutdown_grace": 2},
        )

    def start_servers(self) -> None:
        """From the main thread: the servers get SIGTERM when the spawning thread ends."""
        specs = [
            temporal_spec(self.tmp / "temporal", self.temporal_port, ui_port=None),
            seaweed_spec(self.tmp / "seaweed", *self.s3_ports),
        ]
        self.procs = [spec.spawn() for spec in specs]
        for spec, proc in zip(specs, self.procs, strict=True):
            spec.wait_ready(proc)
        ensure_bucket(make_s3_client(self.settings.storage), BUCKET)
        migrate(self.settings.database_url)

    def start_agent(self) -> Popen[bytes]:
        """`sluice agent` as deployed; backfill off, so it ships nothing we did not start."""
        s = self.settings
        env = {
            "SLUICE_TEMPORAL__ADDRESS": s.temporal.address,
            "SLUICE_TEMPORAL__TASK_QUEUE": s.temporal.task_queue,
            "SLUICE_STORAGE__ENDPOINT_URL": str(s.storage.endpoint_url),
            "SLUICE_STORAGE__BUCKET": BUCKET,
            "SLUICE_AGENT__ID": self.agent_id,
            "SLUICE_AGENT__HOSTNAME": s.agent.hostname,
            "SLUICE_AGENT__ROOTS": json.dumps([str(self.root)]),
            "SLUICE_AGENT__SPOOL_PATH": str(self.tmp / "agent" / "spool.db"),
            "SLUICE_AGENT__METRICS_PORT": "0",
            "SLUICE_AGENT__BACKFILL": "false",
            "SLUICE_AGENT__SHUTDOWN_GRACE": "2",
        }  # ServerSpec adds os.environ underneath
        argv = [sys.executable, "-m", "sluice.cli", "agent"]
        spec = ServerSpec("sluice agent", argv, {}, lambda: True, self.tmp / "agent.log", env)
        self.agent = spec.spawn()
        return self.agent

    def pids(self) -> dict[str, int]:
        """The processes doing the work: this one runs the central worker and the client."""
        agent = {"agent": self.agent.pid} if self.agent else {}
        servers = dict(zip(["temporal", "seaweedfs"], [p.pid for p in self.procs], strict=True))
        return {"worker+client": os.getpid(), **servers, **agent}

    def stop_all(self) -> None:
        for proc in [self.agent, *reversed(self.procs)]:
            if proc is not None:
                stop(proc)

    def detected(self, path: Path) -> DetectedFile:
        st = path.stat()
        return DetectedFile(
            self.agent_id, "bench", str(self.root), path.relative_to(self.root).as_posix(),
            st.st_size, st.st_mtime_ns, datetime.now(UTC).isoformat(),
        )  # fmt: skip


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


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TimeElapsedColumn(), console=console,
    )  # fmt: skip


async def timed_batch(
    progress: Progress, what: str, jobs: Iterable[Callable[[], Awaitable[object]]], total: int
) -> float:
    """Run `jobs` (each moves one item) all at once, advancing a bar; returns the seconds."""
    task = progress.add_task(what, total=total)

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        await job()
        progress.advance(task)

    started = time.perf_counter()
    await asyncio.gather(*(one(job) for job in jobs))
    return time.perf_counter() - started


class Pipeline:
    """The three ways of moving the small files, and the two of moving the large one."""

    def __init__(self, stack: Stack, client: Client) -> None:
        self.stack, self.client = stack, client
        self.s3: S3Client = make_s3_client(stack.settings.storage)
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

    async def ceiling(self, n: int) -> None:
        async with self._starts:
            handle = await self.client.start_workflow(
                NoopWorkflow.run, n, id=f"noop-{uuid.uuid4()}", task_queue="bench-ceiling"
            )
        await handle.result()

    async def boto3_put(self, path: Path) -> None:
        key = f"boto3/{path.relative_to(self.stack.root).as_posix()}"

        def put() -> None:
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

        await asyncio.get_running_loop().run_in_executor(self._pool, put)

    def boto3_large(self, path: Path, on_bytes: Callable[[int], object]) -> None:
        storage = self.stack.settings.storage
        config = TransferConfig(
            multipart_threshold=storage.part_size,
            multipart_chunksize=storage.part_size,
            max_concurrency=storage.part_concurrency,
            use_threads=True,
        )
        key = f"boto3/{path.name}"
        self.s3.upload_file(str(path), BUCKET, key, Config=config, Callback=on_bytes)
        if self.s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] != path.stat().st_size:
            raise SystemExit("boto3 stored the wrong size")


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


async def small_files(pipe: Pipeline, small: list[Path], warm: list[Path], res: Results) -> None:
    detected = {p: pipe.stack.detected(p) for p in [*warm, *small]}  # the agent's work, untimed
    with progress_bar() as progress:
        # Warm-up: the agent's host worker polls, sandbox and connections are ready.
        warmups: list[Callable[[], Awaitable[object]]] = [
            *(partial(pipe.sluice, detected[p]) for p in warm),
            *(partial(pipe.ceiling, i) for i in range(len(warm))),
            *(partial(pipe.boto3_put, p) for p in warm),
        ]
        await asyncio.wait_for(timed_batch(progress, "warm-up", warmups, len(warmups)), 180)
        n = len(small)
        pids = pipe.stack.pids()
        ceiling = (partial(pipe.ceiling, i) for i in range(n))
        with CpuUse(pids, n) as cpu:
            res.rate["ceiling"] = n / await timed_batch(progress, "ceiling (no-op)", ceiling, n)
        res.cpu_ms["ceiling"] = cpu.ms
        assert pipe.stack.agent is not None
        with PeakRss(pipe.stack.agent.pid) as rss, CpuUse(pids, n) as cpu:
            sluice = (partial(pipe.sluice, detected[p]) for p in small)
            res.rate["sluice"] = n / await timed_batch(progress, "sluice (FileWorkflow)", sluice, n)
        res.rss_mib["small files"] = rss.mib
        res.cpu_ms["sluice"] = cpu.ms
        boto3 = (partial(pipe.boto3_put, p) for p in small)
        res.rate["boto3"] = n / await timed_batch(progress, "boto3 put_object", boto3, n)


async def large_file(pipe: Pipeline, path: Path, sha: str, runs: int, res: Results) -> None:
    file = pipe.stack.detected(path)
    size = file.size
    assert pipe.stack.agent is not None
    pid = pipe.stack.agent.pid
    sluice_s: list[float] = []
    boto3_s: list[float] = []
    reads: list[int] = []
    with progress_bar() as progress:
        for run in range(1, runs + 1):
            for side in ("boto3", "sluice") if run % 2 else ("sluice", "boto3"):
                bar = progress.add_task(f"{side} {size // MiB} MiB, run {run}", total=size)
                started = time.perf_counter()
                if side == "boto3":
                    advance = partial(progress.advance, bar)
                    await asyncio.to_thread(pipe.boto3_large, path, advance)
                    boto3_s.append(time.perf_counter() - started)
                    continue
                read_before = rchar(pid)
                with PeakRss(pid) as rss:
                    job = asyncio.ensure_future(pipe.sluice(file, f"large-{uuid.uuid4()}"))
                    while not job.done():  # the agent's file reads show how far it got
                        progress.update(bar, completed=min(size, rchar(pid) - read_before))
                        await asyncio.wait({job}, timeout=0.2)
                    result = job.result()
                sluice_s.append(time.perf_counter() - started)
                reads.append(rchar(pid) - read_before)
                progress.update(bar, completed=size)
                res.rss_mib["large file"] = max(res.rss_mib.get("large file", 0.0), rss.mib)
                if result.sha256 != sha:
                    raise SystemExit(f"Sluice's SHA-256 {result.sha256} is not the file's {sha}")
    res.rate["large sluice"] = size / MB / min(sluice_s)  # best run each: least disturbed
    res.rate["large boto3"] = size / MB / min(boto3_s)
    res.agent_reads = min(reads) / size if rchar(pid) else None


async def measure(stack: Stack, args: argparse.Namespace, res: Results) -> None:
    runtime = quiet_runtime(res.warnings)
    client = await Client.connect(stack.settings.temporal.address, runtime=runtime)
    pipe = Pipeline(stack, client)
    central = asyncio.create_task(run_worker(stack.settings, client))
    pool = ThreadPoolExecutor(16, thread_name_prefix="ceiling-activity")
    cache_bytecode([NoopWorkflow])  # as run_worker does for Sluice's workflows
    ceiling = Worker(client, task_queue="bench-ceiling", workflows=[NoopWorkflow],
                     activities=[noop], activity_executor=pool)  # fmt: skip
    try:
        async with ceiling:
            small = sorted((stack.root / "small").iterdir())
            warm = sorted((stack.root / "warm").iterdir())
            await small_files(pipe, small, warm, res)
        res.records = task_counts(stack.settings.database_url)
        large = stack.root / "large.bin"
        await large_file(pipe, large, args.large_sha, args.large_runs, res)
    finally:
        central.cancel()
        await asyncio.gather(central, return_exceptions=True)
        pool.shutdown(wait=False, cancel_futures=True)


def rows(res: Results, args: argparse.Namespace) -> list[list[str]]:
    """measure, sluice, baseline, sluice / baseline, target."""
    r, small = res.rate, f"{res.files} x {args.small_kib} KiB files"
    out = [
        [f"{small}, files/s vs orchestration ceiling", f"{r['sluice']:.1f}",
         f"{r['ceiling']:.1f}", f"{r['sluice'] / r['ceiling']:.2f}", ">= 0.6"],
        [f"{small}, files/s vs boto3 put_object", f"{r['sluice']:.1f}", f"{r['boto3']:.1f}",
         f"{r['sluice'] / r['boto3']:.2f}", ""],
        [f"{args.large_mib} MiB file, MB/s vs boto3 upload_file", f"{r['large sluice']:.1f}",
         f"{r['large boto3']:.1f}", f"{r['large sluice'] / r['large boto3']:.2f}", ">= 0.85"],
    ]  # fmt: skip
    for phase, mib in res.rss_mib.items():
        rss = f"{mib:.0f} MiB ({mib * MiB / MB:.0f} MB)"
        out.append([f"agent peak RSS during the {phase}", rss, "", "", "< 200 MB"])
    if res.cpu_ms:  # where the small files' time goes, against the ceiling's
        sluice, ceiling = res.cpu_ms["sluice"], res.cpu_ms["ceiling"]
        for name in [*sluice, "total"]:
            mine = sum(sluice.values()) if name == "total" else sluice[name]
            base = sum(ceiling.values()) if name == "total" else ceiling[name]
            ratio = f"{mine / base:.2f}" if base else ""
            out.append([f"CPU ms per small file: {name}", f"{mine:.1f}", f"{base:.1f}", ratio, ""])
    reads = "n/a" if res.agent_reads is None else f"{res.agent_reads:.2f}"
    out.append(["agent file reads / large file size", reads, "", "", "1.00"])
    return out


HEAD = ["measure", "sluice", "baseline", "sluice / baseline", "target"]


def report(res: Results, args: argparse.Namespace, seconds: float) -> Table:
    table = Table(title=f"pipeline benchmark, {seconds:.0f} s (MB = 10^6 bytes; noisy)")
    for column in HEAD:
        table.add_column(column, justify="right")
    for row in rows(res, args):
        table.add_row(*row)
    return table


def markdown(res: Results, args: argparse.Namespace) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "| --- |" + " ---: |" * (len(HEAD) - 1)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows(res, args)])


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--files", type=int, default=1000, help="small files (default 1000)")
    parser.add_argument("--small-kib", type=int, default=4, help="small file size in KiB")
    parser.add_argument("--large-mib", type=int, default=1024, help="large file size in MiB")
    parser.add_argument("--large-runs", type=int, default=2, help="large uploads per side")
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
