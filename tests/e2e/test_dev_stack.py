"""`sluice dev` as a user runs it: one command, a file in, a verified object out, restartable."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from activities.s3 import make_s3_client
from sluice.cli.servers import port_is_free
from sluice.settings import StorageSettings
from tests.e2e.dev_support import DevStack, free_dev_ports, wait_for_task


def beside(stack: DevStack, *args: str) -> subprocess.CompletedProcess[str]:
    """`sluice <args>` from the stack's directory, told its state dir as the banner says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    return subprocess.run(
        [sys.executable, "-m", "sluice.cli", *args],
        cwd=stack.root, env={**env, "SLUICE_DEV__STATE_DIR": str(stack.state)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def stack(tmp_path: Path) -> DevStack:
    return DevStack(tmp_path, free_dev_ports())


async def workflow_status(port: int, workflow_id: str) -> WorkflowExecutionStatus | None:
    client = await Client.connect(f"127.0.0.1:{port}")
    return (await client.get_workflow_handle(workflow_id).describe()).status


def test_file_flows_through_dev_stack_and_state_survives_restart(stack: DevStack) -> None:
    proc = stack.start()
    try:
        content = b"OutOfMemoryError: Java heap space\n" * 1000
        (stack.inbox / "dumps").mkdir()
        (stack.inbox / "dumps" / "app.log").write_bytes(content)
        assert httpx.get(f"{stack.api}/api/v1/tasks", timeout=5).status_code == 401
        task = wait_for_task(stack, "dumps/app.log")
        # The CLI beside the stack finds its API, token and DB; the banner says what to set.
        exported = beside(stack, "rules", "export")
        assert exported.returncode == 0 and exported.stdout == "[]\n", exported.stderr
        viewer = beside(stack, "token", "create", "--role", "viewer")
        assert viewer.returncode == 0, viewer.stderr
        assert viewer.stdout.startswith("sluice_") and "alembic" not in viewer.stderr.lower()
        as_viewer = {"Authorization": f"Bearer {viewer.stdout.strip()}"}
        assert httpx.get(f"{stack.api}/api/v1/tasks", headers=as_viewer).status_code == 200
    finally:
        assert stack.stop(proc) == 0, stack.log_tail()

    token_file = stack.state / "admin-token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    log = (stack.root / "dev.log").read_text()
    assert token.startswith("sluice_") and token in log
    alert_token = (stack.state / "alert-token").read_text().strip()
    assert f"authorization: {{credentials: {alert_token}}}" in log  # the pasteable receivers
    assert f"url: {stack.api}/api/v1/alerts/alertmanager" in log
    s3_line = f"S3           http://127.0.0.1:{stack.ports['s3']}  bucket sluice  access key "
    assert s3_line + "sluice  secret key sluice" in log
    assert f"SLUICE_DEV__STATE_DIR={stack.state} sluice rules export" in log
    assert "control plane unreachable" not in log  # the agent starts once the API serves

    assert task["status"] == "succeeded", task["error"]
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
