"""`sluice config-agent` as its own process beside Debian's Alertmanager: started while the
control plane is down it keeps the files and retries; once the control plane is back it
reports, applies a rollout from the real Temporal dev server, and stops cleanly on SIGTERM.
Its /metrics (config_agent.metrics_port) tell the failed reports and the apply.
The control plane's two endpoints are the loopback stand-in of tests/peers/config_sync.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.worker import Worker

from sluice.cli.servers import free_port
from sluice.contracts.config_sync import CONFIG_ROLLOUT_WORKFLOW, ApplyResult, RolloutInput
from tests.e2e.agent_support import eventually
from tests.fixtures.alertmanager import alertmanager
from tests.peers.config_sync import ControlPlanePeer
from workflows.config_rollout import ConfigRolloutWorkflow

BY_HAND = {"route": {"receiver": "by-hand"}, "receivers": [{"name": "by-hand"}]}
FROM_SLUICE = yaml.safe_dump({"route": {"receiver": "team"}, "receivers": [{"name": "team"}]})


@pytest.fixture
def control_plane() -> Iterator[ControlPlanePeer]:
    peer = ControlPlanePeer()
    yield peer
    peer.close()


def config_agent(
    target: str, url: str, config_dir: Path, peer: ControlPlanePeer, temporal: str, log: Path,
    metrics_port: int,
) -> subprocess.Popen[bytes]:  # fmt: skip
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")},
        "SLUICE_TEMPORAL__ADDRESS": temporal,
        "SLUICE_CONFIG_AGENT__TARGET": target,
        "SLUICE_CONFIG_AGENT__KIND": "alertmanager",
        "SLUICE_CONFIG_AGENT__CONFIG_DIR": str(config_dir),
        "SLUICE_CONFIG_AGENT__API_URL": peer.url,
        "SLUICE_CONFIG_AGENT__TOKEN": peer.token,
        "SLUICE_CONFIG_AGENT__TARGET_URL": url,
        "SLUICE_CONFIG_AGENT__REPORT_INTERVAL": "1",
        "SLUICE_CONFIG_AGENT__MAX_BACKOFF": "1",
        "SLUICE_CONFIG_AGENT__METRICS_PORT": str(metrics_port),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", "config-agent"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def metric(port: int, name: str, **labels: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"{name}{labels} not in /metrics")


async def test_the_config_agent_process_rides_out_an_outage_and_applies(
    tmp_path: Path, control_plane: ControlPlanePeer, temporal_client: Client,
    temporal_address: str, task_queue: str,
) -> None:  # fmt: skip
    target = f"am-{uuid.uuid4().hex[:8]}"
    desired = control_plane.publish(target, "alertmanager", {"alertmanager.yml": FROM_SLUICE})
    control_plane.down = True
    log = tmp_path / "config-agent.log"
    with alertmanager(tmp_path, BY_HAND) as url:
        by_hand = (tmp_path / "alertmanager.yml").read_text()
        port = free_port()
        process = config_agent(target, url, tmp_path, control_plane, temporal_address, log, port)
        try:
            await eventually(lambda: log.read_text().count("status report failed") >= 2, 30,
                             "retried reports")  # fmt: skip
            assert "does not answer" in log.read_text() or "503" in log.read_text()
            assert (tmp_path / "alertmanager.yml").read_text() == by_hand
            assert metric(port, "sluice_config_agent_report_failures") >= 2

            control_plane.down = False
            await eventually(lambda: control_plane.last_status(target), 10, "a report")
            async with Worker(
                temporal_client, task_queue=task_queue, workflows=[ConfigRolloutWorkflow]
            ):
                result = await temporal_client.execute_workflow(
                    CONFIG_ROLLOUT_WORKFLOW,
                    RolloutInput(target, desired.version, desired.digest),
                    id=f"config-rollout-{target}",
                    task_queue=task_queue,
                    result_type=ApplyResult,
                )
            assert result.applied, result.error
            assert (tmp_path / "alertmanager.yml").read_text() == FROM_SLUICE
            status = control_plane.last_status(target)
            assert status is not None and status["version"] == desired.version
            assert metric(port, "sluice_config_agent_applies_total", outcome="applied") == 1
            assert metric(port, "sluice_config_agent_last_apply_success") == 1
            assert metric(port, "sluice_config_agent_version") == desired.version

            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0, log.read_text()[-2000:]
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
