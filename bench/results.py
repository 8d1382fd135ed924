"""The pipeline benchmark's results and their table: rows of sluice, baseline and ratio."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field

from rich.table import Table

from sluice.settings import MiB

MB = 1_000_000


@dataclass
class Results:
    files: int = 0
    rate: dict[str, float] = field(default_factory=dict)  # files/s, or MB/s for "large ..."
    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # phase: process: per file
    agent_reads: float | None = None  # bytes the agent read / large file size
    records: dict[str, int] = field(default_factory=dict)
    warnings: Counter[str] = field(default_factory=Counter)  # see bench.stack.CountingHandler


def rows(res: Results, args: argparse.Namespace) -> list[list[str]]:
    """measure, sluice, baseline, sluice / baseline, target."""
    r, small = res.rate, f"{res.files} x {args.small_kib} KiB files"
    out = [
        [f"{small}, files/s vs orchestration ceiling", f"{r['sluice']:.1f}",
         f"{r['ceiling']:.1f}", f"{r['sluice'] / r['ceiling']:.2f}", ">= 0.6"],
        [f"{small}, files/s vs ceiling, activity on its own queue", f"{r['sluice']:.1f}",
         f"{r['ceiling, own queue']:.1f}", f"{r['sluice'] / r['ceiling, own queue']:.2f}", ""],
        [f"{small}, files/s: FileWorkflow's shape, no work, vs ceiling", f"{r['shape']:.1f}",
         f"{r['ceiling']:.1f}", f"{r['shape'] / r['ceiling']:.2f}", ""],
        [f"{small}, files/s vs FileWorkflow's shape with no work", f"{r['sluice']:.1f}",
         f"{r['shape']:.1f}", f"{r['sluice'] / r['shape']:.2f}", ""],
        [f"{small}, files/s vs boto3 put_object", f"{r['sluice']:.1f}", f"{r['boto3']:.1f}",
         f"{r['sluice'] / r['boto3']:.2f}", ""],
        [f"{args.large_mib} MiB file, MB/s vs boto3 upload_file", f"{r['large sluice']:.1f}",
         f"{r['large boto3']:.1f}", f"{r['large sluice'] / r['large boto3']:.2f}", ">= 0.85"],
        [f"{args.large_mib} MiB file, MB/s vs boto3, parts unchecked", f"{r['large sluice']:.1f}",
         f"{r['large boto3 unchecked']:.1f}",
         f"{r['large sluice'] / r['large boto3 unchecked']:.2f}", ""],
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
        own = sum(res.cpu_ms["ceiling, own queue"].values())
        mine = sum(sluice.values())
        out.append(["CPU ms per small file: total, vs ceiling on its own queue",
                    f"{mine:.1f}", f"{own:.1f}", f"{mine / own:.2f}", ""])  # fmt: skip
        shape = sum(res.cpu_ms["shape"].values())
        out.append(["CPU ms per small file: total, vs FileWorkflow's shape with no work",
                    f"{mine:.1f}", f"{shape:.1f}", f"{mine / shape:.2f}", ""])  # fmt: skip
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
