"""`sluice dev` as a user runs it: one command, a file in, a verified object out, restartable."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from activities.s3 import make_s3_client
from sluice.servers import port_is_free
from sluice.settings import StorageSettings
from tests.fixtures.servers import free_port_with_grpc


@dataclass
class DevStack:
    root: Path
    ports: dict[str, int]

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def headers(self) -> dict[str, str]:
        """An admin's: `sluice dev` keeps its token in the state dir."""
        token = (self.state / "admin-token").read_text().strip()
        return {"Authorization": f"Bearer {token}"}

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def command(self) -> list[str]:
        p = self.ports
        return [
            sys.executable, "-m", "sluice.cli", "dev",
            "--inbox", str(self.inbox), "--state-dir", str(self.state),
            "--api-port", str(p["api"]), "--temporal-port", str(p["temporal"]),
            "--temporal-ui-port", str(p["temporal_ui"]), "--s3-port", str(p["s3"]),
            "--silence", "0.5",
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        p = self.ports
        return {
            **os.environ,
            "SLUICE_DEV__SEAWEED_MASTER_PORT": str(p["master"]),
            "SLUICE_DEV__SEAWEED_VOLUME_PORT": str(p["volume"]),
            "SLUICE_DEV__SEAWEED_FILER_PORT": str(p["filer"]),
            "SLUICE_AGENT__ID": "devtest",
            "SLUICE_AGENT__HOSTNAME": "devhost",
        }

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.root / "dev.log").open("ab")
        proc = subprocess.Popen(
            self.command(), cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"sluice dev exited early:\n{self.log_tail()}"
            try:
                if httpx.get(f"{self.api}/readyz", timeout=1).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        proc.kill()
        raise AssertionError(f"sluice dev not ready:\n{self.log_tail()}")

    def stop(self, proc: subprocess.Popen[bytes]) -> int:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=90)

    def log_tail(self) -> str:
        return "\n".join((self.root / "dev.log").read_text().splitlines()[-30:])

    def leftover_processes(self) -> list[str]:
        """Processes whose command line mentions this stack's state dir."""
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(self.state) in text:
                found.append(text)
        return found


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[DevStack]:
    names = ["api", "temporal", "temporal_ui", "s3", "master", "volume", "filer"]
    ports: dict[str, int] = {}
    while len(ports) < len(names):
        port = free_port_with_grpc()
        if port not in ports.values() and port + 10000 not in ports.values():
            ports[names[len(ports)]] = port
    yield DevStack(tmp_path, ports)


async def workflow_status(port: int, workflow_id: str) -> WorkflowExecutionStatus | None:
    client = await Client.connect(f"127.0.0.1:{port}")
    return (await client.get_workflow_handle(workflow_id).describe()).status


def wait_for_succeeded(stack: DevStack, rel_path: str) -> dict[str, Any]:
    api, headers = stack.api, stack.headers
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        items = httpx.get(f"{api}/api/v1/tasks", headers=headers, timeout=5).json()["items"]
        done = [t for t in items if t["rel_path"] == rel_path and t["status"] == "succeeded"]
        if done:
            url = f"{api}/api/v1/tasks/{done[0]['id']}"
            return dict(httpx.get(url, headers=headers, timeout=5).json())
        time.sleep(0.3)
    raise AssertionError(f"{rel_path} did not succeed; tasks: {items}")


def test_file_flows_through_dev_stack_and_state_survives_restart(stack: DevStack) -> None:
    proc = stack.start()
    try:
        content = b"OutOfMemoryError: Java heap space\n" * 1000
        (stack.inbox / "dumps").mkdir()
        (stack.inbox / "dumps" / "app.log").write_bytes(content)
        assert httpx.get(f"{stack.api}/api/v1/tasks", timeout=5).status_code == 401
        task = wait_for_succeeded(stack, "dumps/app.log")
    finally:
        assert stack.stop(proc) == 0, stack.log_tail()

    token_file = stack.state / "admin-token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    assert token.startswith("sluice_") and token in (stack.root / "dev.log").read_text()

    assert task["sha256"] == hashlib.sha256(content).hexdigest()
    assert stack.leftover_processes() == []
    assert all(port_is_free(port) for port in stack.ports.values())

    proc = stack.start()
    try:
        assert token_file.read_text().strip() == token  # reused on restart
        url = f"{stack.api}/api/v1/tasks/{task['id']}"
        again = httpx.get(url, headers=stack.headers, timeout=5).json()
        assert again["status"] == "succeeded"
        s3 = make_s3_client(StorageSettings(endpoint_url=f"http://127.0.0.1:{stack.ports['s3']}"))
        body = s3.get_object(Bucket="sluice", Key="devhost/dumps/app.log")["Body"].read()
        assert body == content
        status = asyncio.run(workflow_status(stack.ports["temporal"], task["workflow_id"]))
        assert status == WorkflowExecutionStatus.COMPLETED
        # the file is recognised as handled: no second task after the restart's startup scan
        time.sleep(2)
        url = f"{stack.api}/api/v1/tasks"
        items = httpx.get(url, headers=stack.headers, timeout=5).json()["items"]
        assert [t["id"] for t in items] == [task["id"]]
    finally:
        assert stack.stop(proc) == 0, stack.log_tail()


def test_busy_port_is_a_clear_error(stack: DevStack) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", stack.ports["api"]))
        holder.listen()
        result = subprocess.run(
            stack.command(), cwd=stack.root, env=stack.env(), capture_output=True, timeout=60
        )
    assert result.returncode == 1
    message = result.stderr.decode()
    assert f"API port {stack.ports['api']} already in use" in message
    assert stack.leftover_processes() == []
