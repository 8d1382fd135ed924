"""Every long-running command logs one JSON object per line with --log-format json (or the
log_format setting), and the API's lines for a request carry the X-Request-ID it echoes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sluice.cli.servers import free_port
from sluice.settings import Settings
from tests.e2e.dev_support import DevStack, free_dev_ports

KEYS = {"ts", "level", "logger", "message"}


def _env(settings: Settings, tmp: Path, **more: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")},
        "SLUICE_DATABASE_URL": f"sqlite:///{tmp}/sluice.db",
        "SLUICE_TEMPORAL__ADDRESS": settings.temporal.address,
        "SLUICE_TEMPORAL__TASK_QUEUE": settings.temporal.task_queue,
        "SLUICE_STORAGE__ENDPOINT_URL": str(settings.storage.endpoint_url),
        "SLUICE_STORAGE__BUCKET": settings.storage.bucket,
        "SLUICE_AGENT__ID": settings.agent.id,
        "SLUICE_AGENT__ROOTS": f'["{settings.agent.roots[0]}"]',
        "SLUICE_AGENT__SPOOL_PATH": str(settings.agent.spool_path),
        "SLUICE_AGENT__METRICS_PORT": "0",
        "SLUICE_PIPELINE__METRICS_PORT": "0",
        **more,
    }


def _json_lines(log: Path) -> list[dict[str, str]]:
    """Every line of the log, parsed: a line that is not JSON fails the test."""
    lines = []
    for text in log.read_text().splitlines():
        line = json.loads(text)
        assert line.keys() >= KEYS, text
        lines.append(line)
    return lines


def _run_until(
    command: list[str], env: dict[str, str], log: Path, seen: str, within: float = 90
) -> list[dict[str, str]]:
    """Start `sluice <command>`, wait for `seen` in its log, SIGTERM it, return its lines."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", *command],
            env=env, cwd=log.parent, stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + within
        while seen not in log.read_text():
            assert proc.poll() is None, f"exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no {seen!r}:\n{log.read_text()[-3000:]}"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return _json_lines(log)


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("command", "seen", "extra_env"),
    [
        (["worker", "--log-format", "json"], "Running upgrade", {}),
        (["agent", "--log-format", "json"], "watching", {}),
        (["agent"], "watching", {"SLUICE_LOG_FORMAT": "json"}),
        (["config-agent", "--log-format", "json"], "config agent for", {}),
    ],
)
def test_commands_log_json_lines(
    settings: Settings,
    tmp_path: Path,
    command: list[str],
    seen: str,
    extra_env: dict[str, str],
) -> None:
    config_agent = {
        "SLUICE_CONFIG_AGENT__TARGET": "am-logs",
        "SLUICE_CONFIG_AGENT__KIND": "alertmanager",
        "SLUICE_CONFIG_AGENT__CONFIG_DIR": str(tmp_path / "am"),
        "SLUICE_CONFIG_AGENT__API_URL": f"http://127.0.0.1:{free_port()}",
        "SLUICE_CONFIG_AGENT__TOKEN": "not-used",
    }
    env = _env(settings, tmp_path, **extra_env, **config_agent)
    lines = _run_until(command, env, tmp_path / "out.log", seen)
    assert any(seen in line["message"] for line in lines)
    if command[0] == "agent":
        watching = next(line for line in lines if "watching" in line["message"])
        assert watching["agent_id"] == settings.agent.id
    if command[0] == "config-agent":
        assert all(line.get("agent_id") == "config-am-logs" for line in lines)


@pytest.mark.timeout(120)
def test_the_api_echoes_the_request_id_and_logs_it(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = _env(settings, tmp_path, SLUICE_API__PORT=str(port))
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", "api", "--log-format", "json"],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
        given = httpx.get(f"{url}/api/v1/tasks", headers={"X-Request-ID": "trace-me-42"})
        made = httpx.get(f"{url}/api/v1/tasks", headers={"X-Request-ID": "no spaces allowed"})
        assert given.headers["X-Request-ID"] == "trace-me-42"
        generated = made.headers["X-Request-ID"]
        assert generated != "no spaces allowed" and len(generated) == 32
        deadline = time.monotonic() + 30
        while generated not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    lines = _json_lines(log)
    mine = [line for line in lines if line.get("request_id") == "trace-me-42"]
    assert mine and all("/api/v1/tasks" in line["message"] for line in mine)
    assert any(line.get("request_id") == generated for line in lines)


@pytest.mark.timeout(300)
def test_dev_logs_json_lines_from_the_setting(tmp_path: Path) -> None:
    stack = DevStack(tmp_path, free_dev_ports())
    env = {**stack.env(), "SLUICE_LOG_FORMAT": "json"}
    lines = _run_until(stack.command()[3:], env, tmp_path / "dev.log", "Sluice is up", within=240)
    assert any(line["logger"].startswith("sluice.") for line in lines)
