"""Throwaway servers for benchmarks and tests: PostgreSQL clusters, a private Temporal, ports.

The benchmarks own these so that they run without pytest; the test fixtures import them.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from sluice.cli.servers import free_port, port_is_free, stop, temporal_spec

POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
POSTGRES_USER = "postgres"


def free_port_with_grpc() -> int:
    """A free loopback port whose +10000 neighbour (SeaweedFS gRPC) is free too."""
    for _ in range(200):
        port = random.randint(20000, 30000)
        if port_is_free(port) and port_is_free(port + 10000):
            return port
    raise RuntimeError("no free port pair found on 127.0.0.1")


class OwnTemporal:
    """A Temporal dev server of one's own (port + state dir), so stopping it harms no one."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.port = free_port_with_grpc()
        self.address = f"127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._proc = temporal_spec(self.state_dir, self.port, ui_port=None).start()

    def stop(self) -> None:
        if self._proc is not None:
            stop(self._proc)
            self._proc = None


@dataclass(frozen=True)
class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1, trusting local connections."""

    base_dir: Path
    port: int
    user: str = POSTGRES_USER

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def admin_connection(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    def create_database(self, *, template: str = "template1") -> str:
        name = f"sluice_test_{uuid.uuid4().hex[:12]}"
        with self.admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_bin_dir() -> Path | None:
    """The newest installed Debian PostgreSQL server binaries, or None."""
    found = [Path(p) for p in glob.glob(POSTGRES_BIN_GLOB) if Path(p, "initdb").is_file()]
    if not found:
        return None
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def _as_postgres_user(argv: list[str]) -> list[str]:
    # initdb refuses to run as root; Debian's package creates the `postgres` system user.
    if os.geteuid() == 0:
        return ["runuser", "-u", POSTGRES_USER, "--", *argv]
    return argv


def start_postgres(bin_dir: Path, *, durable: bool = False) -> PostgresServer:
    """Fast and not crash-safe by default (tests); `durable` keeps fsync and synchronous
    commits, for benchmarks whose claim is that what they wrote is on disk."""
    base_dir = Path(tempfile.mkdtemp(prefix="sluice-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base_dir, user=POSTGRES_USER, group=POSTGRES_USER)
    data_dir, port = base_dir / "data", free_port()
    run = _as_postgres_user
    subprocess.run(
        run([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", POSTGRES_USER,
             "--auth=trust", "--encoding=UTF8", "--no-sync"]),
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base_dir}"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    result = subprocess.run(
        run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(base_dir / "server.log"),
             "-o", options, "-w", "-t", "60", "start"]),
        capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        log = (base_dir / "server.log").read_text(errors="replace")
        raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log}")
    return PostgresServer(base_dir=base_dir, port=port)


def stop_postgres(server: PostgresServer, bin_dir: Path) -> None:
    subprocess.run(
        _as_postgres_user(
            [str(bin_dir / "pg_ctl"), "-D", str(server.base_dir / "data"), "-m", "fast", "stop"]
        ),
        check=False,
        capture_output=True,
    )
    shutil.rmtree(server.base_dir, ignore_errors=True)
