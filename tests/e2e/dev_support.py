"""`sluice dev` as a subprocess for end-to-end tests: free ports, start, wait, stop, tasks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.servers import free_port_with_grpc

PORT_NAMES = (
    "api", "temporal", "temporal_ui", "s3", "master", "volume", "filer", "prometheus",
    "alertmanager",
)  # fmt: skip
FINISHED = ("succeeded", "failed", "cancelled", "ignored")


def free_dev_ports() -> dict[str, int]:
    """One free port per server of the stack, none of them another's SeaweedFS gRPC (+10000)."""
    ports: dict[str, int] = {}
    while len(ports) < len(PORT_NAMES):
        port = free_port_with_grpc()
        if port not in ports.values() and port + 10000 not in ports.values():
            ports[PORT_NAMES[len(ports)]] = port
    return ports


@dataclass
class DevStack:
    root: Path
    ports: dict[str, int]
    config: Path | None = None  # a YAML settings file for --config
    args: tuple[str, ...] = ()  # more options of `sluice dev`

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
        config = ["--config", str(self.config)] if self.config else []
        return [
            sys.executable, "-m", "sluice.cli", "dev", *config,
            "--inbox", str(self.inbox), "--state-dir", str(self.state),
            "--api-port", str(p["api"]), "--temporal-port", str(p["temporal"]),
            "--temporal-ui-port", str(p["temporal_ui"]), "--s3-port", str(p["s3"]),
            "--silence", "0.5", *self.args,
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        p = self.ports
        return {
            **os.environ,
            "SLUICE_DEV__SEAWEED_MASTER_PORT": str(p["master"]),
            "SLUICE_DEV__SEAWEED_VOLUME_PORT": str(p["volume"]),
            "SLUICE_DEV__SEAWEED_FILER_PORT": str(p["filer"]),
            "SLUICE_DEV__PROMETHEUS_PORT": str(p["prometheus"]),
            "SLUICE_DEV__ALERTMANAGER_PORT": str(p["alertmanager"]),
            "SLUICE_AGENT__ID": "devtest",
            "SLUICE_AGENT__HOSTNAME": "devhost",
        }

    def start(self) -> subprocess.Popen[bytes]:
        """Start `sluice dev` and wait until its API is ready; killed if it never gets there."""
        with (self.root / "dev.log").open("ab") as log:
            proc = subprocess.Popen(
                self.command(), cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                assert proc.poll() is None, f"sluice dev exited early:\n{self.log_tail()}"
                try:
                    if httpx.get(f"{self.api}/readyz", timeout=1).status_code == 200:
                        return proc
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            raise AssertionError(f"sluice dev not ready:\n{self.log_tail()}")
        except BaseException:
            proc.kill()  # its servers get SIGTERM when it dies, and free their ports
            proc.wait()
            raise

    def stop(self, proc: subprocess.Popen[bytes]) -> int:
        """SIGTERM, as Ctrl-C would; a stack that hangs is killed and fails the test."""
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"sluice dev ignored SIGTERM:\n{self.log_tail()}") from None

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


def wait_for_task(stack: DevStack, rel_path: str, within: float = 60.0) -> dict[str, Any]:
    """The detail of the task for `rel_path` once it has finished (whatever its outcome)."""
    api, headers = stack.api, stack.headers
    deadline = time.monotonic() + within
    items: list[Any] = []
    while time.monotonic() < deadline:
        items = httpx.get(f"{api}/api/v1/tasks", headers=headers, timeout=5).json()["items"]
        done = [t for t in items if t["rel_path"] == rel_path and t["status"] in FINISHED]
        if done:
            url = f"{api}/api/v1/tasks/{done[0]['id']}"
            return dict(httpx.get(url, headers=headers, timeout=5).json())
        time.sleep(0.3)
    brief = [(t["rel_path"], t["status"], t["error"]) for t in items]
    raise AssertionError(f"{rel_path} did not finish within {within}s; tasks: {brief}")
