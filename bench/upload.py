"""Upload throughput: Sluice's one-read upload + SHA-256 against hash-then-`upload_file`.

Both sides talk to the same real SeaweedFS, through the same boto3 client, with the same
part size and part concurrency, and both end with the SHA-256 stored as an object tag.

    .venv/bin/python -m bench.upload                      # 4, 64 and 256 MiB, 5 runs each
    .venv/bin/python -m bench.upload --sizes 16,512 --repeats 5 --markdown
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from boto3.s3.transfer import TransferConfig
from rich.console import Console
from rich.table import Table
from temporalio.testing import ActivityEnvironment

from activities.s3 import ensure_bucket, make_s3_client
from activities.upload import SHA256_TAG, UploadActivities
from bench.servers import free_port_with_grpc
from sluice.cli.servers import seaweed_spec, stop
from sluice.contracts import UploadRequest
from sluice.settings import MiB, StorageSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "sluice-bench"
MB = 1_000_000

console = Console(stderr=True)


@dataclass
class Sample:
    seconds: float
    cpu_seconds: float
    bytes_read: int | None  # from /proc/self/io; None where the kernel does not say

    def mb_per_s(self, size: int) -> float:
        return size / MB / self.seconds


@dataclass
class Row:
    size: int
    baseline: list[Sample] = field(default_factory=list)
    sluice: list[Sample] = field(default_factory=list)
    heartbeats: int = 0

    def median_mb_s(self, samples: list[Sample]) -> float:
        return statistics.median(s.mb_per_s(self.size) for s in samples)

    def spread(self, samples: list[Sample]) -> str:
        rates = [s.mb_per_s(self.size) for s in samples]
        return f"{self.median_mb_s(samples):.1f} ({min(rates):.0f}-{max(rates):.0f})"

    def file_passes(self, samples: list[Sample]) -> float | None:
        read = [s.bytes_read for s in samples]
        if any(r is None for r in read):
            return None
        return statistics.median(r for r in read if r is not None) / self.size

    def cpu_s_per_gb(self, samples: list[Sample]) -> float:
        return statistics.median(s.cpu_seconds for s in samples) / (self.size / 1e9)

    @property
    def ratio(self) -> float:
        return self.median_mb_s(self.sluice) / self.median_mb_s(self.baseline)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.upload", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes", default="4,64,256", help="file sizes in MiB, comma separated (default 4,64,256)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side and size")
    parser.add_argument("--part-size", type=int, default=8, help="multipart part size in MiB")
    parser.add_argument("--concurrency", type=int, default=4, help="parts in flight")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    args.sizes = [int(s) * MiB for s in args.sizes.split(",") if s.strip()]
    if args.part_size < 5:
        parser.error("--part-size must be at least 5 MiB (S3 multipart minimum)")
    return args


def write_file(path: Path, size: int) -> None:
    """Incompressible content, so nothing on the way can cheat."""
    rng = random.Random(size)
    with path.open("wb") as out:
        left = size
        while left:
            chunk = rng.randbytes(min(MiB, left))
            out.write(chunk)
            left -= len(chunk)


def bytes_read_so_far() -> int | None:
    """Bytes this process got from read()-family calls on files and pipes (not sockets)."""
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return None


def measure(run: Callable[[], str], expected_sha: str) -> Sample:
    read_before = bytes_read_so_far()
    cpu_before = time.process_time()
    start = time.perf_counter()
    sha = run()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_before
    read_after = bytes_read_so_far()
    if sha != expected_sha:
        raise SystemExit(f"wrong SHA-256: got {sha}, expected {expected_sha}")
    read = None if read_before is None or read_after is None else read_after - read_before
    return Sample(seconds, cpu, read)


class Uploads:
    """The two ways of getting one file into S3 together with its SHA-256."""

    def __init__(self, client: S3Client, root: Path, part_size: int, concurrency: int) -> None:
        self._client = client
        self._root = root
        self._part_size = part_size
        self._concurrency = concurrency
        self._activities = UploadActivities(client, [root])
        self._transfer = TransferConfig(
            multipart_threshold=part_size,
            multipart_chunksize=part_size,
            max_concurrency=concurrency,
            use_threads=True,
        )
        self.heartbeats = 0

    def baseline(self, path: Path, key: str) -> str:
        """What a naive implementation does: hash the file, then let boto3 upload it."""
        with path.open("rb") as stream:
            sha = hashlib.file_digest(stream, "sha256").hexdigest()
        self._client.upload_file(
            str(path),
            BUCKET,
            key,
            ExtraArgs={"Tagging": f"{SHA256_TAG}={sha}"},
            Config=self._transfer,
        )
        return sha

    def sluice(self, path: Path, key: str) -> str:
        """The host-bound activity, in an activity context so its heartbeats go somewhere."""
        st = path.stat()
        request = UploadRequest(
            root=str(self._root),
            rel_path=path.name,
            expected_size=st.st_size,
            expected_mtime_ns=st.st_mtime_ns,
            bucket=BUCKET,
            key=key,
            part_size=self._part_size,
            part_concurrency=self._concurrency,
        )
        env = ActivityEnvironment()
        env.on_heartbeat = self._count_heartbeat
        result = env.run(self._activities.upload_file, request)
        if result.size != st.st_size:
            raise SystemExit(f"Sluice reported {result.size} bytes for a {st.st_size}-byte file")
        return result.sha256

    def _count_heartbeat(self, *details: object) -> None:
        self.heartbeats += 1

    def check_stored(self, key: str, size: int, sha: str) -> None:
        head = self._client.head_object(Bucket=BUCKET, Key=key)
        tags = self._client.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]
        stored = {t["Key"]: t["Value"] for t in tags}.get(SHA256_TAG)
        if head["ContentLength"] != size or stored != sha:
            raise SystemExit(f"{key}: stored {head['ContentLength']} bytes, tag {stored}")


def bench_size(uploads: Uploads, root: Path, size: int, repeats: int) -> Row:
    path = root / f"bench-{size // MiB}MiB.bin"
    with console.status(f"writing {size // MiB} MiB test file"):
        write_file(path, size)
    with path.open("rb") as stream:
        sha = hashlib.file_digest(stream, "sha256").hexdigest()
    row = Row(size)
    sides: dict[str, tuple[Callable[[Path, str], str], list[Sample]]] = {
        "baseline": (uploads.baseline, row.baseline),
        "sluice": (uploads.sluice, row.sluice),
    }
    heartbeats_before = uploads.heartbeats
    for run in range(1, repeats + 1):
        # Alternate which side goes first so neither always gets the warmer server.
        order = ["baseline", "sluice"] if run % 2 else ["sluice", "baseline"]
        for name in order:
            upload, samples = sides[name]
            key = f"{name}/{path.name}"
            with console.status(f"{size // MiB:>5} MiB  {name:<8} run {run}/{repeats}"):
                sample = measure(partial(upload, path, key), sha)
            uploads.check_stored(key, size, sha)
            samples.append(sample)
            passes = "" if sample.bytes_read is None else f"  read {sample.bytes_read / size:.2f}x"
            console.print(
                f"{size // MiB:>5} MiB  {name:<8} run {run}/{repeats}  "
                f"{sample.mb_per_s(size):8.1f} MB/s  {sample.seconds:6.2f} s{passes}"
            )
    row.heartbeats = (uploads.heartbeats - heartbeats_before) // repeats
    path.unlink()
    return row


def fmt_passes(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def results_table(rows: list[Row]) -> Table:
    table = Table(title="upload throughput: median MB/s (min-max), MB = 10^6 bytes")
    for column in (
        "size",
        "baseline MB/s",
        "sluice MB/s",
        "sluice/baseline",
        "file reads base",
        "file reads sluice",
        "CPU s/GB base",
        "CPU s/GB sluice",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*cells(row))
    return table


def cells(row: Row) -> list[str]:
    return [
        f"{row.size // MiB} MiB",
        row.spread(row.baseline),
        row.spread(row.sluice),
        f"{row.ratio:.2f}",
        fmt_passes(row.file_passes(row.baseline)),
        fmt_passes(row.file_passes(row.sluice)),
        f"{row.cpu_s_per_gb(row.baseline):.2f}",
        f"{row.cpu_s_per_gb(row.sluice):.2f}",
    ]


def markdown(rows: list[Row]) -> str:
    head = [
        "size",
        "baseline MB/s",
        "sluice MB/s",
        "sluice / baseline",
        "file reads (baseline)",
        "file reads (sluice)",
        "CPU s/GB (baseline)",
        "CPU s/GB (sluice)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " ---: |" * len(head)]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    part_size = args.part_size * MiB
    with tempfile.TemporaryDirectory(prefix="sluice-bench-") as tmp:
        state, root = Path(tmp) / "state", Path(tmp) / "files"
        root.mkdir()
        ports = [free_port_with_grpc() for _ in range(4)]
        spec = seaweed_spec(state, *ports)
        with console.status("starting SeaweedFS"):
            proc = spec.start()
        try:
            storage = StorageSettings(
                endpoint_url=f"http://127.0.0.1:{ports[0]}",
                bucket=BUCKET,
                part_size=part_size,
                part_concurrency=args.concurrency,
            )
            client = make_s3_client(storage, max_pool=max(16, args.concurrency * 2))
            ensure_bucket(client, BUCKET)
            console.print(
                f"SeaweedFS on {storage.endpoint_url}; part size {args.part_size} MiB, "
                f"{args.concurrency} parts in flight, {args.repeats} runs per side"
            )
            uploads = Uploads(client, root, part_size, args.concurrency)
            warm = root / "warm-up.bin"
            write_file(warm, 2 * part_size)
            uploads.baseline(warm, "warm-up/baseline")
            uploads.sluice(warm, "warm-up/sluice")
            warm.unlink()
            rows = [bench_size(uploads, root, size, args.repeats) for size in args.sizes]
        finally:
            stop(proc)
    Console(width=max(Console().width, 120)).print(results_table(rows))
    if args.markdown:
        print(markdown(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
