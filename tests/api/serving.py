"""Serve the API on a free loopback port: an app under uvicorn in a thread, or `sluice api`."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.fixtures.database import free_port


@contextmanager
def serving(app: Any, **options: Any) -> Iterator[str]:
    """The base URL of `app` under uvicorn (extra `options` go to uvicorn.Config)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the API did not start"
        assert thread.is_alive(), "the API exited at start-up"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def sluice_api(db_url: str, log_path: Path) -> Iterator[str]:
    """The base URL of a real `sluice api` process on `db_url` (its output in `log_path`)."""
    port = free_port()
    env = {**os.environ, "SLUICE_DATABASE_URL": db_url, "SLUICE_API__PORT": str(port)}
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", "api"], env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{base_url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "sluice api did not start"
            time.sleep(0.2)
        yield base_url
    finally:
        proc.terminate()
        proc.wait(20)
