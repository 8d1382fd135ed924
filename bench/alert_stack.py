"""The alert benchmark's peers: PostgreSQL, Temporal, `sluice api` and `sluice worker` as
deployed, Debian's Alertmanager, and a loopback webhook that counts what each side notifies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography.fernet import Fernet
from sqlmodel import Session

from api.auth import create_token
from bench.servers import OwnTemporal, PostgresServer, postgres_bin_dir, start_postgres
from sluice.cli.servers import free_port, stop
from store.db import make_engine, migrate
from store.models import Role

GROUP_WAIT = "2s"
LONG = "1h"  # group and repeat intervals: nothing is sent twice during a run


class Webhooks:
    """A loopback HTTP server counting POSTs per path (`/alertmanager`, `/sluice`)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        counts, lock = self.counts, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    counts[self.path] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


class AlertStack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.webhooks = Webhooks()
        self.postgres: PostgresServer | None = None
        self.temporal = OwnTemporal(tmp / "temporal")
        self.api_url = ""
        self.alertmanager_url = ""
        self.worker_pid = 0

    def start(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise SystemExit("PostgreSQL is not installed: apt-get install postgresql")
        self.postgres = start_postgres(bin_dir, durable=True)  # fsync on: durable means on disk
        database_url = self.postgres.url(self.postgres.create_database())
        migrate(database_url)
        self.temporal.start()
        port = free_port()
        self.api_url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "SLUICE_DATABASE_URL": database_url,
            "SLUICE_TEMPORAL__ADDRESS": self.temporal.address,
            "SLUICE_API__PORT": str(port),
            "SLUICE_API__PUBLIC_URL": self.api_url,
            "SLUICE_STORAGE__ACCESS_KEY": "bench",
            "SLUICE_STORAGE__SECRET_KEY": "bench-secret",
            "SLUICE_NOTIFICATIONS__SECRET_KEY": Fernet.generate_key().decode(),
        }
        for command in ("api", "worker"):
            log = (self.tmp / f"{command}.log").open("wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", "sluice.cli", command], env=env, stdout=log, stderr=log,
                start_new_session=True,  # its own process group, which `stop` signals
            )  # fmt: skip
            self.procs.append(proc)
        self.worker_pid = self.procs[-1].pid
        _wait(f"{self.api_url}/readyz", "sluice api", self.tmp / "api.log")
        engine = make_engine(database_url)
        with Session(engine) as session:
            self.admin = create_token(session, name="bench", role=Role.admin, actor="bench")[1]
            self.sender = create_token(
                session, name="bench-alerts", role=Role.alert_source, actor="bench"
            )[1]
        self.database_url = database_url
        self.alertmanager_url = self._start_alertmanager()

    def _start_alertmanager(self) -> str:
        binary = shutil.which("prometheus-alertmanager")
        if binary is None:
            raise SystemExit(
                "Alertmanager is not installed: apt-get install prometheus-alertmanager"
            )
        config = {
            "route": {"receiver": "count", "group_by": ["alertname"], "group_wait": GROUP_WAIT,
                      "group_interval": LONG, "repeat_interval": LONG},
            "receivers": [{"name": "count", "webhook_configs": [
                {"url": f"{self.webhooks.url}/alertmanager", "send_resolved": False}]}],
        }  # fmt: skip
        (self.tmp / "alertmanager.yml").write_text(yaml.safe_dump(config))
        address = f"127.0.0.1:{free_port()}"
        log = (self.tmp / "alertmanager.log").open("wb")
        self.procs.append(
            subprocess.Popen(
                [
                    binary,
                    f"--config.file={self.tmp / 'alertmanager.yml'}",
                    f"--storage.path={self.tmp / 'alertmanager'}",
                    f"--web.listen-address={address}",
                    "--cluster.listen-address=",
                ],
                stdout=log,
                stderr=log,
                start_new_session=True,  # as above: without it `stop` left it running
            )
        )
        _wait(f"http://{address}/-/ready", "alertmanager", self.tmp / "alertmanager.log")
        return f"http://{address}"

    def start_bare(self) -> str:
        """`bench/alerts_bare.py` on the same PostgreSQL, in its own process; its URL."""
        port = free_port()
        dsn = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        log = (self.tmp / "bare.log").open("wb")
        command = [sys.executable, "-m", "bench.alerts_bare", str(port), dsn]
        bare = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        self.procs.append(bare)
        _wait(f"http://127.0.0.1:{port}/readyz", "bare route", self.tmp / "bare.log")
        return f"http://127.0.0.1:{port}"

    def configure_sluice(self) -> None:
        """The same grouping as the Alertmanager: by alertname, to one counted webhook."""
        admin = {"Authorization": f"Bearer {self.admin}"}
        with httpx.Client(base_url=self.api_url, headers=admin, timeout=30) as client:
            channel = {"name": "count", "type": "webhook",
                       "config": {"url": f"{self.webhooks.url}/sluice"}}  # fmt: skip
            _ok(client.post("/api/v1/channels", json=channel))
            routing = {"default": {"name": "default", "group_by": ["alertname"],
                                   "group_wait": GROUP_WAIT, "group_interval": LONG,
                                   "repeat_interval": LONG, "channels": ["count"]}}  # fmt: skip
            body = {"text": yaml.safe_dump(routing), "comment": "bench"}
            version = _ok(client.post("/api/v1/alert-routing/versions", json=body))["version"]
            _ok(client.post(f"/api/v1/alert-routing/versions/{version}:publish"))

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop(proc)
        self.temporal.stop()
        if self.postgres is not None:
            from bench.servers import stop_postgres

            bin_dir = postgres_bin_dir()
            if bin_dir is not None:
                stop_postgres(self.postgres, bin_dir)
        self.webhooks.close()


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise SystemExit(f"{response.request.url}: {response.status_code} {response.text[:500]}")
    return json.loads(response.content or b"null")


def _wait(url: str, name: str, log: Path, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} not ready within {within:.0f}s; see {log}")
