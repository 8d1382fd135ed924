"""`sluice agent` as a process samples its host: the API reads its resources through the
host queue, a disk over its threshold raises a HostDiskFull alert that resolves when the
threshold goes back up, the host series are on its /metrics, and terminating a process is
refused unless enabled, for pid 1 and outside the allow-list, and otherwise done and audited.

The disk is the test machine's own: the threshold is set just under its real usage (a few
percent of a disk are always used), so it fires with nothing written and nothing to clean.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from sluice.cli.servers import free_port
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer
from tests.e2e.agent_support import agent_process, eventually, with_agent_token

TERMINATE = {"enabled": True, "allow_names": ["sleep"], "grace": 5}


def resources(disk_above: float, terminate: dict[str, Any]) -> str:
    return json.dumps({
        "interval": 0.5, "resend": 60,
        "thresholds": {"disk_used_ratio": {"above": disk_above, "for": "1s",
                                            "severity": "critical"}},
        "terminate": terminate,
    })  # fmt: skip


async def disk_alerts(api: httpx.AsyncClient, agent_id: str) -> dict[str, dict[str, Any]]:
    page = (await api.get("/api/v1/alerts", params={"source": "agent", "limit": 100})).json()
    return {
        a["labels"]["mount"]: a
        for a in page["items"]
        if a["labels"].get("alertname") == "HostDiskFull" and a["labels"]["agent"] == agent_id
    }


async def stop(agent: subprocess.Popen[bytes]) -> None:
    if agent.poll() is None:
        agent.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(agent.wait, 30)
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait()


@pytest.mark.timeout(240)
async def test_resources_alerts_metrics_and_guarded_terminate(
    settings: Settings, api_url: str, central_worker: None, tmp_path: Path
) -> None:
    managed = with_agent_token(settings)
    agent_id, token = managed.agent.id, managed.agent.token
    assert token is not None
    port = free_port()
    extra = {
        "AGENT__API_URL": api_url, "AGENT__TOKEN": token.get_secret_value(),
        "AGENT__HEARTBEAT_INTERVAL": "0.5", "AGENT__METRICS_PORT": str(port),
    }  # fmt: skip
    db = managed.database_url
    admin = httpx.AsyncClient(
        base_url=api_url, headers=bearer(db, Role.admin, "res-admin"), timeout=30
    )
    viewer = httpx.AsyncClient(
        base_url=api_url, headers=bearer(db, Role.viewer, "res-viewer"), timeout=30
    )
    path = f"/api/v1/agents/{agent_id}"
    out = tmp_path / "agent.out"
    sleeper = await asyncio.create_subprocess_exec("sleep", "300")
    tail = await asyncio.create_subprocess_exec("tail", "-f", "/dev/null")
    agent = agent_process(managed, out, **extra, AGENT__RESOURCES=resources(0.01, TERMINATE))
    try:
        await eventually(lambda: _registered(admin, path), 60, "agent registered")
        seen = await eventually(lambda: _sampled(viewer, path), 60, "resources through the API")
        latest = seen["latest"]
        assert latest["memory"]["total"] > 0 and latest["cpu_count"] >= 1
        assert latest["disks"] and latest["top_cpu"] and latest["top_memory"]
        assert all(d["fstype"] not in ("proc", "sysfs", "tmpfs") for d in latest["disks"])
        assert seen["terminate"] == {"enabled": True, "allow_names": ["sleep"], "allow_users": []}

        crowd = await asyncio.gather(*(viewer.get(f"{path}/resources") for _ in range(20)))
        assert {r.status_code for r in crowd} == {200}  # one question to the agent, shared

        fired = await eventually(lambda: disk_alerts(admin, agent_id), 60, "HostDiskFull")
        mount, alert = next(iter(fired.items()))
        assert alert["status"] == "firing" and alert["severity"] == "critical"
        assert alert["labels"]["host"] == "test-host"
        assert mount in {d["mount"] for d in latest["disks"]}

        metrics = (await admin.get(f"http://127.0.0.1:{port}/metrics")).text
        for series in ("sluice_host_cpu_percent", "sluice_host_memory_used_ratio",
                       "sluice_host_load1", f'sluice_host_disk_used_ratio{{mount="{mount}"}}',
                       f'sluice_host_inode_used_ratio{{mount="{mount}"}}'):  # fmt: skip
            assert series in metrics, series

        terminate = f"{path}/processes/{{}}:terminate"
        sleep_url = terminate.format(sleeper.pid)
        denied = await viewer.post(sleep_url, json={"confirm_name": "sleep"})
        assert denied.status_code == 403
        assert (await admin.post(sleep_url, json={})).status_code == 422
        pid1 = await admin.post(terminate.format(1), json={"confirm_name": "init"})
        assert (pid1.status_code, pid1.json()["error"]["code"]) == (403, "protected")
        outside = await admin.post(terminate.format(tail.pid), json={"confirm_name": "tail"})
        assert (outside.status_code, outside.json()["error"]["code"]) == (403, "not_allowed")
        wrong = await admin.post(sleep_url, json={"confirm_name": "sleepy"})
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (409, "name_mismatch")
        assert sleeper.returncode is None and tail.returncode is None

        done = await admin.post(sleep_url, json={"confirm_name": "sleep"})
        assert done.status_code == 200, done.text
        assert done.json() | {"waited_s": 0} == {
            "pid": sleeper.pid, "name": "sleep", "user": done.json()["user"],
            "signal": "SIGTERM", "exited": True, "waited_s": 0,
        }  # fmt: skip
        assert await asyncio.wait_for(sleeper.wait(), 10) == -signal.SIGTERM
        audit = await admin.get(
            "/api/v1/audit-logs", params={"action": "agent.processes.terminate"}
        )
        assert audit.status_code == 200, audit.text
        rows = audit.json()["items"]
        assert [(r["actor"], r["resource_id"]) for r in rows] == [("res-admin", agent_id)]

        # Restarted with the threshold out of reach and terminating off: the alert it left
        # firing resolves, and terminating is refused.
        await stop(agent)
        off = {"enabled": False, "allow_names": ["tail"]}
        agent = agent_process(managed, out, **extra, AGENT__RESOURCES=resources(1.0, off))
        resolved = await eventually(
            lambda: _status(admin, agent_id, mount, "resolved"), 60, "HostDiskFull resolved"
        )
        assert resolved["labels"] == alert["labels"]
        disabled = await admin.post(terminate.format(tail.pid), json={"confirm_name": "tail"})
        assert (disabled.status_code, disabled.json()["error"]["code"]) == (
            403, "terminate_disabled",
        )  # fmt: skip

        await stop(agent)
        offline = await eventually(lambda: _answered(viewer, f"{path}/resources", 503), 30, "503")
        assert offline["error"]["code"] == "agent_offline"
        assert (await viewer.get("/api/v1/agents/nobody/resources")).status_code == 404
    finally:
        await stop(agent)
        for child in (sleeper, tail):
            if child.returncode is None:
                child.kill()
                await child.wait()
        await admin.aclose()
        await viewer.aclose()


async def _answered(api: httpx.AsyncClient, url: str, status: int) -> dict[str, Any] | None:
    """The body once `url` answers `status` (a read just before is shared for 2 s)."""
    response = await api.get(url)
    return response.json() if response.status_code == status else None


async def _registered(api: httpx.AsyncClient, path: str) -> bool:
    return (await api.get(path)).status_code == 200


async def _sampled(api: httpx.AsyncClient, path: str) -> dict[str, Any] | None:
    response = await api.get(f"{path}/resources")
    body = response.json() if response.status_code == 200 else {}
    return body if body.get("latest") and len(body["history"]) >= 2 else None


async def _status(
    api: httpx.AsyncClient, agent_id: str, mount: str, status: str
) -> dict[str, Any] | None:
    alert = (await disk_alerts(api, agent_id)).get(mount)
    return alert if alert and alert["status"] == status else None
