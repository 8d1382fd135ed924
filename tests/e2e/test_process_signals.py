"""Every `sluice` process ends promptly on SIGTERM, whatever point of its start-up it reached."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from temporalio.client import Client

from sluice.cli.schedules import remove_schedules
from sluice.cli.servers import free_port
from sluice.settings import Settings
from tests.e2e.dev_support import DevStack, free_dev_ports

# "Did not hang", not a speed test: a clean stop takes about a second here.
EXIT_WITHIN = 60.0
MIGRATED = "Running upgrade"


def _env(settings: Settings, database_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")},
        "SLUICE_DATABASE_URL": database_url,
        "SLUICE_TEMPORAL__ADDRESS": settings.temporal.address,
        "SLUICE_TEMPORAL__TASK_QUEUE": settings.temporal.task_queue,
        "SLUICE_STORAGE__ENDPOINT_URL": str(settings.storage.endpoint_url),
        "SLUICE_STORAGE__BUCKET": settings.storage.bucket,
        "SLUICE_API__PORT": str(free_port()),
        "SLUICE_AGENT__ID": settings.agent.id,
        "SLUICE_AGENT__ROOTS": f'["{settings.agent.roots[0]}"]',
        "SLUICE_AGENT__SPOOL_PATH": str(settings.agent.spool_path),
        "SLUICE_AGENT__METRICS_PORT": "0",
    }


def _wait_for(log: Path, marker: str, proc: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while marker not in log.read_text(errors="replace"):
        assert proc.poll() is None, f"exited before {marker!r}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {marker!r} in:\n{log.read_text()[-3000:]}"
        time.sleep(0.01)


def _terminate(proc: subprocess.Popen[bytes], log: Path, when: str) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=EXIT_WITHIN)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        tail = log.read_text(errors="replace")[-3000:]
        raise AssertionError(
            f"still running {EXIT_WITHIN:.0f}s after SIGTERM {when}:\n{tail}"
        ) from None


def sigterm_during_startup(
    command: str, settings: Settings, tmp: Path, marker: str, delays: list[float]
) -> list[int]:
    """Start `sluice <command>` on a fresh DB once per delay; SIGTERM `delay` s after `marker`."""
    codes = []
    for n, delay in enumerate(delays):
        log = tmp / f"{command}-{n}.log"
        env = _env(settings, f"sqlite:///{tmp}/{command}-{n}.db")
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "sluice.cli", command],
                env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            _wait_for(log, marker, proc)
            time.sleep(delay)
            codes.append(_terminate(proc, log, f"{delay}s after {marker!r}"))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return codes


# Start-up on a fresh DB: migrations, then connecting to Temporal, schedules, polling. The
# hang needed a signal while an SDK call was in flight: every 0.1 s of the first two seconds.
STARTUP_DELAYS = [n / 10 for n in range(21)] + [4.0]


@pytest.mark.timeout(900)
async def test_worker_exits_on_sigterm_at_any_point_of_start_up(
    settings: Settings, temporal_client: Client, tmp_path: Path
) -> None:
    try:
        codes = sigterm_during_startup("worker", settings, tmp_path, MIGRATED, STARTUP_DELAYS)
    finally:
        await remove_schedules(temporal_client, settings.temporal.task_queue)
    # A signal during migrations (before the supervisor runs) ends it by the default action.
    assert set(codes) <= {0, -signal.SIGTERM}, codes
    assert codes[-1] == 0  # a started worker stops cleanly


@pytest.mark.timeout(600)
def test_agent_exits_on_sigterm_at_any_point_of_start_up(
    settings: Settings, tmp_path: Path
) -> None:
    # The agent has no migrations: its first line is the observer starting or Temporal.
    codes = sigterm_during_startup("agent", settings, tmp_path, "", STARTUP_DELAYS[::2])
    assert set(codes) <= {0, -signal.SIGTERM}, codes
    assert codes[-1] == 0


@pytest.mark.timeout(600)
def test_api_exits_on_sigterm_at_any_point_of_start_up(settings: Settings, tmp_path: Path) -> None:
    codes = sigterm_during_startup("api", settings, tmp_path, MIGRATED, STARTUP_DELAYS[::2])
    # Uvicorn re-raises the signal once it has shut down, so a served API ends by SIGTERM too.
    assert set(codes) <= {0, -signal.SIGTERM}, codes


@pytest.mark.timeout(600)
@pytest.mark.parametrize("marker", ["servers ready", "Sluice is up"])
def test_dev_exits_on_sigterm_while_starting_and_once_up(marker: str, tmp_path: Path) -> None:
    stack = DevStack(tmp_path, free_dev_ports())
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            stack.command(), cwd=tmp_path, env=stack.env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_for(log, marker, proc, within=180)
        assert _terminate(proc, log, f"after {marker!r}") == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert stack.leftover_processes() == []
