"""bench/console.py runs end to end on a small DB: every case measured on both sides, the
initial JavaScript weighed (the full run is by hand; see bench/README.md)."""

from __future__ import annotations

import pytest

from bench import console as bench


def test_the_console_benchmark_runs_on_a_thousand_tasks(
    chromium: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bench.main(["--tasks", "1000", "--repeats", "2", "--warm-up", "0", "--markdown"])
    out = capsys.readouterr().out
    for case in ("list (cold load)", "detail (cold load)", "list: Next"):
        assert f"| {case} |" in out, out
    assert "KB gzip" in out
