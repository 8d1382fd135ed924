"""An alert storm into Sluice and into a real Alertmanager, in the same run.

    .venv/bin/python -m bench.alerts [--alerts 10000] [--groups 100] [--batch 64] \
        [--concurrency 8] [--markdown]

The same alerts (`--groups` alertnames, `--alerts` in all) go to both sides in batches of
`--batch` (64: Prometheus's own batch size), one group's alerts per batch: to Sluice as
Alertmanager webhooks (`POST /api/v1/alerts/alertmanager`), and to Alertmanager as Prometheus
sends them (`POST /api/v2/alerts`). Both group by `alertname` with the same `group_wait` and
long intervals into one counting webhook. Reported per side: accepted alerts/s, p50/p95 POST
latency, alerts stored afterwards, and notifications sent; for Sluice also the worker's peak
RSS. Sluice's database is a PostgreSQL with fsync on (every 2xx is on disk); Alertmanager
keeps alerts in memory.

Beside them, the **bare route** (`bench/alerts_bare.py`): the same webhooks to one async
FastAPI route served like `sluice api`, which writes each webhook's alerts with one `INSERT`
and an fsync'd `COMMIT` before answering, and does nothing else: the most a FastAPI receiver
that answers once its alerts are on disk could accept here. And the **durable-write floor**:
the same batches written straight into that PostgreSQL by `--concurrency` connections, one
`INSERT` of the batch's JSON and one fsync'd `COMMIT` each, with no HTTP and no application:
the most any receiver that answers only once its alerts are on disk could accept here
(Sluice writes four tables per delivery, not one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select, text

from bench.alert_stack import AlertStack
from bench.procs import proc_field
from store.db import make_engine
from store.models import Alert

console = Console(stderr=True)


@dataclass
class Side:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    stored: int = 0
    notifications: int = 0

    def rate(self, alerts: int) -> float:
        return alerts / self.seconds if self.seconds else 0.0

    def p(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000


def storm(alerts: int, groups: int, batch: int) -> list[list[dict[str, Any]]]:
    """Batches of one group's alerts each, groups interleaved as a storm arrives."""
    now = datetime.now(UTC)
    per_group = alerts // groups
    by_group = [
        [{"labels": {"alertname": f"Storm{g:03d}", "instance": f"host-{i:05d}",
                     "severity": "warning"},
          "annotations": {"summary": f"storm alert {i} of group {g}"},
          "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat(),
          "generatorURL": "http://prometheus.example/graph"}
         for i in range(per_group)]
        for g in range(groups)
    ]  # fmt: skip
    batches = []
    for start in range(0, per_group, batch):
        batches += [alerts_of_group[start : start + batch] for alerts_of_group in by_group]
    return batches


def webhook(batch: list[dict[str, Any]]) -> dict[str, Any]:
    name = batch[0]["labels"]["alertname"]
    return {
        "version": "4", "groupKey": f'{{}}:{{alertname="{name}"}}', "truncatedAlerts": 0,
        "status": "firing", "receiver": "sluice", "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": [alert | {"status": "firing", "fingerprint": ""} for alert in batch],
    }  # fmt: skip


async def post_all(
    side: Side, url: str, bodies: list[Any], headers: dict[str, str], concurrency: int,
    progress: Progress,
) -> None:  # fmt: skip
    queue = list(reversed(bodies))
    task = progress.add_task(side.name, total=len(bodies))
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:

        async def sender() -> None:
            while queue:
                body = queue.pop()
                started = time.perf_counter()
                response = await client.post(url, json=body)
                side.latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{side.name}: {response.status_code} {response.text[:300]}")
                progress.advance(task)

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        side.seconds = time.perf_counter() - started


def durable_floor(database_url: str, bodies: list[Any], concurrency: int) -> Side:
    """Write `bodies` into PostgreSQL as a receiver that stores them must at least: one
    INSERT and one fsync'd COMMIT per batch, `concurrency` connections at once."""
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    side, queue = Side("durable-write floor"), [json.dumps(b) for b in reversed(bodies)]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, body jsonb NOT NULL)")

    def writer() -> None:
        with psycopg.connect(dsn) as conn:
            while queue:
                try:
                    body = queue.pop()
                except IndexError:
                    return
                started = time.perf_counter()
                conn.execute(
                    "INSERT INTO bench_floor (body) SELECT value FROM jsonb_array_elements(%s)",
                    (body,),
                )
                conn.commit()
                side.latencies.append(time.perf_counter() - started)

    async def all_writers() -> None:
        await asyncio.gather(*(asyncio.to_thread(writer) for _ in range(concurrency)))

    started = time.perf_counter()
    asyncio.run(all_writers())
    side.seconds = time.perf_counter() - started
    with psycopg.connect(dsn) as conn:
        side.stored = conn.execute("SELECT count(*) FROM bench_floor").fetchone()[0]  # type: ignore[index]
    return side


async def settle(stack: AlertStack, path: str, expected: int, within: float) -> int:
    """Notifications counted at `path` once they reach `expected` or stop for 10 s."""
    deadline, last, quiet_since = time.monotonic() + within, -1, time.monotonic()
    while time.monotonic() < deadline:
        count = stack.webhooks.counts[path]
        if count != last:
            last, quiet_since = count, time.monotonic()
        if count >= expected and time.monotonic() - quiet_since > 5:
            break
        if count < expected and time.monotonic() - quiet_since > 30:
            break
        await asyncio.sleep(0.5)
    return stack.webhooks.counts[path]


async def run(
    args: argparse.Namespace, stack: AlertStack
) -> tuple[list[Side], tuple[float, float]]:
    batches = storm(args.alerts, args.groups, args.batch)
    rest_mib = (proc_field(stack.worker_pid, "status", "VmRSS") or 0) / 1024
    sluice, manager, bare = Side("sluice"), Side("alertmanager"), Side("bare route")
    sender = {"Authorization": f"Bearer {stack.sender}"}
    # One side at a time, each once the other has settled: Sluice's worker flushing its groups
    # must not take the CPU from Alertmanager's storm (nor the reverse).
    with Progress(console=console, transient=True) as progress:
        await post_all(
            sluice, f"{stack.api_url}/api/v1/alerts/alertmanager",
            [webhook(b) for b in batches], sender, args.concurrency, progress,
        )  # fmt: skip
    console.print("sluice's storm sent; waiting for its notifications to settle …")
    sluice.notifications = await settle(stack, "/sluice", args.groups, args.settle)
    with Progress(console=console, transient=True) as progress:
        await post_all(
            manager, f"{stack.alertmanager_url}/api/v2/alerts", batches, {}, args.concurrency,
            progress,
        )  # fmt: skip
    console.print("alertmanager's storm sent; waiting for its notifications to settle …")
    manager.notifications = await settle(stack, "/alertmanager", args.groups, args.settle)
    bare_url = stack.start_bare()
    with Progress(console=console, transient=True) as progress:
        await post_all(
            bare, f"{bare_url}/alerts", [webhook(b) for b in batches], {}, args.concurrency,
            progress,
        )  # fmt: skip
    with make_engine(stack.database_url).connect() as conn:
        sluice.stored = conn.execute(select(func.count()).select_from(Alert)).scalar_one()
        bare.stored = conn.execute(text("SELECT count(*) FROM bench_bare")).scalar_one()
    async with httpx.AsyncClient(timeout=60) as client:
        manager.stored = len((await client.get(f"{stack.alertmanager_url}/api/v2/alerts")).json())
    peak_mib = (proc_field(stack.worker_pid, "status", "VmHWM") or 0) / 1024
    return [sluice, manager, bare], (rest_mib, peak_mib)


def report(args: argparse.Namespace, sides: list[Side], memory: tuple[float, float]) -> str:
    rest_mib, peak_mib = memory
    n = args.alerts
    sluice, manager, bare, floor = sides
    rows = [
        "| side | alerts/s | p50 POST ms | p95 POST ms | alerts stored | notifications |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for side in sides:
        told = str(side.notifications) if side in (sluice, manager) else "-"
        rows.append(
            f"| {side.name} | {side.rate(n):,.0f} | {side.p(50):.1f} | {side.p(95):.1f} "
            f"| {side.stored:,} | {told} |"
        )

    def ratio(a: Side, b: Side) -> float:
        return a.rate(n) / b.rate(n) if b.rate(n) else 0.0

    rows += [
        "",
        f"accept rate sluice/alertmanager: **{ratio(sluice, manager):.2f}x** (target ≥ 0.5x)",
        f"bare route/alertmanager: **{ratio(bare, manager):.2f}x**; "
        f"sluice/bare route: **{ratio(sluice, bare):.2f}x**",
        f"durable-write floor/alertmanager: {ratio(floor, manager):.2f}x; "
        f"sluice/floor: {ratio(sluice, floor):.2f}x",
        f"notifications: sluice {sluice.notifications}, alertmanager {manager.notifications} "
        f"(target: one per group, {args.groups}, on both sides)",
        f"sluice worker peak RSS: **{peak_mib:.0f} MiB** (target < 300 MB); "
        f"{rest_mib:.0f} MiB at rest before the storm",
    ]
    return "\n".join(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument(
        "--batch", type=int, default=64, help="alerts per POST (Prometheus sends up to 64)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="POSTs in flight")
    parser.add_argument("--settle", type=float, default=180, help="max seconds to wait")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if args.alerts % args.groups:
        parser.error("--alerts must be a multiple of --groups")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sluice-bench-alerts-") as tmp:
        stack = AlertStack(Path(tmp))
        console.print("starting PostgreSQL, Temporal, sluice api + worker, Alertmanager …")
        try:
            stack.start()
            stack.configure_sluice()
            sides, memory = asyncio.run(run(args, stack))
            console.print("writing the same batches straight into PostgreSQL …")
            floor = durable_floor(
                stack.database_url, storm(args.alerts, args.groups, args.batch), args.concurrency
            )
        finally:
            stack.stop()
    table = report(args, [*sides, floor], memory)
    print(table if args.markdown else table.replace("**", ""))


if __name__ == "__main__":
    main()
