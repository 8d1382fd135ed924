"""bench/knowledge.py runs end to end on 2,000 distractors, on both databases: every side
measured, the bare and API sides agreeing on every answer (the run stops otherwise), and
recall@5 and MRR reported (the full run is by hand; see bench/README.md)."""

from __future__ import annotations

import re

import pytest

from bench import knowledge as bench
from bench.servers import postgres_bin_dir


def test_the_knowledge_benchmark_runs_on_two_thousand_entries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench.main(["--entries", "2000", "--repeats", "2", "--warm-up", "0", "--markdown"])
    out = capsys.readouterr().out
    dbs = ["SQLite"] + (["PostgreSQL"] if postgres_bin_dir() is not None else [])
    for db in dbs:
        line = next(
            line for line in out.splitlines() if line.startswith(f"{db}") and "|" not in line
        )
        assert "2,036 entries" in line, line
        recall = re.search(r"recall@5 (\d\.\d+), MRR (\d\.\d+)", line)
        assert recall is not None and float(recall[1]) > 0.5 and float(recall[2]) > 0.5, line
    for side in bench.SIDES:
        assert out.count(f"| {side} |") == len(dbs), out
