"""`sluice agent` as a process: killed with a pending spool, restarted, stopped by SIGTERM;
SIGHUP re-reads its config file."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from temporalio.client import Client

from bench.servers import OwnTemporal
from sluice.cli.servers import free_port
from tests.e2e.agent_support import count_runs, eventually, spool_rows
from watcher.spool import spool_states


def _start_agent(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "sluice.cli", "agent", "--config", str(config)],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env, cwd=config.parent,
    )  # fmt: skip


@pytest.mark.timeout(180)
async def test_killed_agent_dispatches_its_pending_spool_once_after_restart(
    tmp_path: Path, own_temporal: OwnTemporal
) -> None:
    inbox, spool, log = tmp_path / "inbox", tmp_path / "state" / "spool.db", tmp_path / "agent.log"
    inbox.mkdir()
    agent_id, metrics_port = f"agent-{uuid.uuid4().hex[:8]}", free_port()
    config = tmp_path / "sluice.yaml"
    settings = {
        "temporal": {"address": own_temporal.address, "task_queue": f"q-{agent_id}"},
        "agent": {
            "id": agent_id, "roots": [str(inbox)], "silence": 0.3, "scan_interval": 2,
            "spool_path": str(spool), "dispatch_rate": 1, "metrics_port": metrics_port,
            "log_format": "json",
        },
    }  # fmt: skip
    config.write_text(yaml.safe_dump(settings))
    client = await Client.connect(own_temporal.address)

    first = _start_agent(config, log)
    try:
        for i in range(30):
            (inbox / f"f{i:02}.log").write_text(str(i))
        await eventually(lambda: sum(spool_states(spool).values()) == 30, 60, "30 spooled")
    finally:
        first.kill()  # SIGKILL: no clean-up at all
        first.wait()
    pending = spool_states(spool).get("pending", 0)
    assert pending > 0, "dispatch at 1/s should have left files pending"

    settings["agent"]["dispatch_rate"] = 0  # type: ignore[index]
    config.write_text(yaml.safe_dump(settings))
    second = _start_agent(config, log)
    try:
        await eventually(lambda: spool_states(spool) == {"dispatched": 30}, 60, "all dispatched")
        await eventually(lambda: _is(count_runs(client, agent_id), 30), 30, "30 workflow runs")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{metrics_port}") as http:
            metrics = (await http.get("/metrics")).text
            health = await http.get("/healthz")
        assert "sluice_agent_dispatched_total" in metrics
        assert health.status_code == 200 and health.json()["spool_depth"] == 0

        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0  # TimeoutExpired if it does not stop
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    assert await count_runs(client, agent_id) == 30
    lines = log.read_text().splitlines()
    assert any('"logger": "sluice.agent"' in line for line in lines)  # JSON log lines


async def _is(count: object, expected: int) -> bool:
    return await count == expected  # type: ignore[misc]


def _spooled_names(spool: Path) -> list[str]:
    query = "SELECT json_extract(payload, '$.rel_path') FROM spool ORDER BY 1"
    return [name for (name,) in spool_rows(spool, query)]


@pytest.mark.timeout(120)
async def test_sighup_reloads_the_config_file_and_a_broken_one_is_refused(
    tmp_path: Path, own_temporal: OwnTemporal
) -> None:
    inbox, spool, log = tmp_path / "inbox", tmp_path / "state" / "spool.db", tmp_path / "agent.log"
    inbox.mkdir()
    config = tmp_path / "sluice.yaml"
    settings = {
        "temporal": {"address": own_temporal.address, "task_queue": f"q-{uuid.uuid4().hex}"},
        "agent": {
            "id": f"agent-{uuid.uuid4().hex[:8]}", "roots": [str(inbox)], "silence": 0.3,
            "spool_path": str(spool), "metrics_port": None, "include_suffixes": [".log"],
        },
    }  # fmt: skip

    def rewrite(text: str) -> None:
        """Change the file but not its mtime, so only SIGHUP can make the agent notice."""
        stamp = config.stat().st_mtime_ns
        config.write_text(text)
        os.utime(config, ns=(stamp, stamp))

    config.write_text(yaml.safe_dump(settings))
    agent = _start_agent(config, log)
    try:
        (inbox / "first.log").write_text("shipped: .log is included")
        await eventually(lambda: _spooled_names(spool) == ["first.log"], 30, "first.log")

        settings["agent"]["include_suffixes"] = [".csv"]  # type: ignore[index]
        rewrite(yaml.safe_dump(settings))
        agent.send_signal(signal.SIGHUP)
        await eventually(lambda: "local config reloaded" in log.read_text(), 30, "reloaded")
        (inbox / "second.log").write_text("not shipped any more")
        (inbox / "second.csv").write_text("shipped now")
        await eventually(lambda: "second.csv" in _spooled_names(spool), 30, "second.csv")

        rewrite("agent: [this is not a mapping\n")
        agent.send_signal(signal.SIGHUP)
        await eventually(lambda: "local config not reloaded" in log.read_text(), 30, "refused")
        (inbox / "third.csv").write_text("the last good config still applies")
        await eventually(lambda: "third.csv" in _spooled_names(spool), 30, "third.csv")
        assert _spooled_names(spool) == ["first.log", "second.csv", "third.csv"]
        assert agent.poll() is None

        agent.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(agent.wait, 60) == 0
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
