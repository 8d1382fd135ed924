"""Sluice's processes as a fleet for the scale-out test: several `sluice api`, `sluice
worker` and `sluice agent` processes on one PostgreSQL, Temporal and S3."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sluice.cli.servers import free_port


@dataclass
class Fleet:
    """Starts processes with a shared environment; stops (or kills) them; reads their logs."""

    root: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: str, **env: str) -> subprocess.Popen[bytes]:
        with (self.root / f"{name}.log").open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "sluice.cli", command],
                env={**self.env, **env}, cwd=self.root, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.procs[name] = proc
        return proc

    def api(self, name: str) -> str:
        """Start `sluice api` on a free port; its base URL."""
        port = free_port()
        self.start(name, "api", SLUICE_API__PORT=str(port))
        return f"http://127.0.0.1:{port}"

    def agent(self, name: str, inbox: Path) -> None:
        inbox.mkdir()
        self.start(
            name, "agent",
            SLUICE_AGENT__ID=name, SLUICE_AGENT__HOSTNAME=f"{name}-host",
            SLUICE_AGENT__ROOTS=json.dumps([str(inbox)]),
            SLUICE_AGENT__SPOOL_PATH=str(self.root / f"{name}-spool.db"),
            SLUICE_AGENT__SILENCE="0.3", SLUICE_AGENT__SCAN_INTERVAL="2",
            SLUICE_AGENT__METRICS_PORT="0",
        )  # fmt: skip

    def wait_ready(self, urls: list[str], within: float = 120) -> None:
        deadline = time.monotonic() + within
        for url in urls:
            while not _ready(url):
                self.check_alive()
                assert time.monotonic() < deadline, f"{url} not ready:\n{self.tails()}"
                time.sleep(0.3)

    def wait_logged(self, name: str, text: str, within: float = 120) -> None:
        deadline = time.monotonic() + within
        while text not in self.log(name):
            self.check_alive()
            assert time.monotonic() < deadline, f"no {text!r} from {name}:\n{self.tails()}"
            time.sleep(0.2)

    def check_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        assert not dead, f"exited: {dead}\n{self.tails()}"

    def kill(self, name: str) -> None:
        """SIGKILL: no clean shutdown, no graceful hand-over of running work."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")

    def json_lines(self, name: str) -> list[dict[str, Any]]:
        """The process's log lines that are JSON (all of them, with log_format json)."""
        lines = []
        for text in self.log(name).splitlines():
            if text.startswith("{"):
                lines.append(json.loads(text))
        return lines

    def tails(self) -> str:
        return "\n".join(
            f"--- {name}\n" + "\n".join(self.log(name).splitlines()[-15:]) for name in self.procs
        )


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def base_env(**settings: str) -> dict[str, str]:
    """This environment without any SLUICE_* variable, plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}, **settings}
