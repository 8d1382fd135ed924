"""Results of the task list benchmark: timings per case, progress bars and tables."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from bench.api_cases import LIMIT, Case

TARGET_MS, TARGET_RATIO = 100.0, 3.0
SIDES = ("api", "service", "raw", "bare")
console = Console(stderr=True)


@dataclass
class Result:
    case: Case
    rows: int = 0
    ms: dict[str, list[float]] = field(default_factory=lambda: {side: [] for side in SIDES})

    def pct(self, side: str, q: int) -> float:
        return statistics.quantiles(self.ms[side], n=100, method="inclusive")[q - 1]

    def ratio(self, side: str = "api") -> float:
        return self.pct(side, 95) / self.pct("raw", 95)

    def cells(self) -> list[str]:
        api95 = self.pct("api", 95)
        missed = [f"p95 >= {TARGET_MS:.0f} ms"] if api95 >= TARGET_MS else []
        missed += [f"ratio > {TARGET_RATIO:.0f}"] if self.ratio() > TARGET_RATIO else []
        return [
            self.case.name,
            str(self.rows),
            f"{self.pct('api', 50):.1f}",
            f"{api95:.1f}",
            f"{self.pct('service', 50):.2f}",
            f"{self.pct('service', 95):.2f}",
            f"{self.pct('raw', 50):.2f}",
            f"{self.pct('raw', 95):.2f}",
            f"{self.pct('bare', 50):.2f}",
            f"{self.pct('bare', 95):.2f}",
            f"{self.ratio():.1f}",
            f"{self.ratio('bare'):.1f}",
            "not met: " + ", ".join(missed) if missed else "met",
        ]


@dataclass
class Run:
    """One database's results and how it was set up."""

    db: str
    results: list[Result]
    seed_s: float
    size_mb: float
    load: tuple[float, float]  # 1-minute load average before and after measuring


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    )  # fmt: skip


HEAD = ["case", "rows", "API p50", "API p95", "service p50", "service p95", "raw p50",
        "raw p95", "bare p50", "bare p95", "API p95 / raw p95", "bare p95 / raw p95",
        f"target: p95 < {TARGET_MS:.0f} ms, <= {TARGET_RATIO:.0f}x"]  # fmt: skip


def title(run: Run, args: argparse.Namespace) -> str:
    name = "SQLite (file, WAL)" if run.db == "sqlite" else "PostgreSQL"
    return (
        f"{name}: GET /api/v1/tasks?limit={LIMIT}, {args.tasks:,} tasks (seeded in "
        f"{run.seed_s:.0f} s, {run.size_mb:,.0f} MB), ms over {args.repeats} calls; "
        f"load average {run.load[0]:.1f} -> {run.load[1]:.1f}"
    )


def table(run: Run, args: argparse.Namespace) -> Table:
    out = Table(title=title(run, args))
    for column in HEAD:
        out.add_column(column, justify="left" if column == "case" else "right")
    for result in run.results:
        out.add_row(*result.cells())
    return out


def markdown(runs: list[Run], args: argparse.Namespace) -> str:
    lines: list[str] = []
    for run in runs:
        lines += [f"{title(run, args)}:", "", "| " + " | ".join(HEAD) + " |"]
        lines += ["| --- |" + " ---: |" * (len(HEAD) - 2) + " --- |"]
        lines += ["| " + " | ".join(result.cells()) + " |" for result in run.results] + [""]
    return "\n".join(lines)
