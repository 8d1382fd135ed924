"""The pipeline benchmark's stack: Temporal, SeaweedFS, the metadata DB and a real agent."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from subprocess import Popen

from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from activities.s3 import ensure_bucket, make_s3_client
from bench.servers import free_port_with_grpc
from sluice.cli.servers import ServerSpec, seaweed_spec, stop, temporal_spec
from sluice.contracts import DetectedFile
from sluice.settings import Settings, load_settings
from store.db import migrate

BUCKET = "sluice-bench"


class CountingHandler(logging.Handler):
    """Counts warnings by kind: Core's by code (TMPRL1104: a workflow task over 5 s), failed
    activity attempts by exception (the workflow retries them; they still cost time)."""

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(logging.WARNING)
        self.counts = counts

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        code = re.search(r"TMPRL\d+|'activity_type': '(\w+)'", message)
        kind = (code.group(1) or code.group(0)) if code else message[:60]
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            kind += f" failed: {type(exc).__name__}: {str(exc).splitlines()[0][:60]}"
        self.counts[kind] += 1


def quiet_runtime(counts: Counter[str]) -> Runtime:
    """Core's and the activity workers' warnings counted, not printed across the bars."""
    for name in ("bench.pipeline.core", "temporalio.activity"):
        logging.getLogger(name).propagate = False
        logging.getLogger(name).addHandler(CountingHandler(counts))
    core = logging.getLogger("bench.pipeline.core")
    forwarding = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=core),
    )
    return Runtime(telemetry=TelemetryConfig(logging=forwarding))


class Stack:
    """The servers, the metadata DB, and the settings both workers and the agent use."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.root = tmp, tmp / "files"
        self.temporal_port = free_port_with_grpc()
        self.s3_ports = [free_port_with_grpc() for _ in range(4)]
        self.procs: list[Popen[bytes]] = []
        self.agent: Popen[bytes] | None = None
        self.worker: Popen[bytes] | None = None
        self.agent_id = f"bench-{uuid.uuid4().hex[:8]}"
        self.settings: Settings = load_settings(
            database_url=f"sqlite:///{tmp}/sluice.db",
            temporal={"address": f"127.0.0.1:{self.temporal_port}", "task_queue": "bench"},
            storage={"endpoint_url": f"http://127.0.0.1:{self.s3_ports[0]}", "bucket": BUCKET},
            agent={"id": self.agent_id, "hostname": "bench", "roots": [str(self.root)]},
            pipeline={"shutdown_grace": 2},
        )

    def start_servers(self) -> None:
        """From the main thread: the servers get SIGTERM when the spawning thread ends."""
        specs = [
            temporal_spec(self.tmp / "temporal", self.temporal_port, ui_port=None),
            seaweed_spec(self.tmp / "seaweed", *self.s3_ports),
        ]
        self.procs = [spec.spawn() for spec in specs]
        for spec, proc in zip(specs, self.procs, strict=True):
            spec.wait_ready(proc)
        ensure_bucket(make_s3_client(self.settings.storage), BUCKET)
        migrate(self.settings.database_url)

    def start_agent(self) -> Popen[bytes]:
        """`sluice agent` as deployed; backfill off, so it ships nothing we did not start."""
        s = self.settings
        env = {
            "SLUICE_TEMPORAL__ADDRESS": s.temporal.address,
            "SLUICE_TEMPORAL__TASK_QUEUE": s.temporal.task_queue,
            "SLUICE_STORAGE__ENDPOINT_URL": str(s.storage.endpoint_url),
            "SLUICE_STORAGE__BUCKET": BUCKET,
            "SLUICE_AGENT__ID": self.agent_id,
            "SLUICE_AGENT__HOSTNAME": s.agent.hostname,
            "SLUICE_AGENT__ROOTS": json.dumps([str(self.root)]),
            "SLUICE_AGENT__SPOOL_PATH": str(self.tmp / "agent" / "spool.db"),
            "SLUICE_AGENT__METRICS_PORT": "0",
            "SLUICE_AGENT__BACKFILL": "false",
            "SLUICE_AGENT__SHUTDOWN_GRACE": "2",
        }  # ServerSpec adds os.environ underneath
        argv = [sys.executable, "-m", "sluice.cli", "agent"]
        spec = ServerSpec("sluice agent", argv, {}, lambda: True, self.tmp / "agent.log", env)
        self.agent = spec.spawn()
        return self.agent

    def start_worker(self) -> Popen[bytes]:
        """`sluice worker` as deployed, in its own process (benches that would otherwise share
        this process between the central worker and API-side code, e.g. the follow hub)."""
        s = self.settings
        env = {
            "SLUICE_DATABASE_URL": s.database_url,
            "SLUICE_TEMPORAL__ADDRESS": s.temporal.address,
            "SLUICE_TEMPORAL__TASK_QUEUE": s.temporal.task_queue,
            "SLUICE_STORAGE__ENDPOINT_URL": str(s.storage.endpoint_url),
            "SLUICE_STORAGE__BUCKET": BUCKET,
            "SLUICE_PIPELINE__SHUTDOWN_GRACE": "2",
        }  # ServerSpec adds os.environ underneath
        argv = [sys.executable, "-m", "sluice.cli", "worker"]
        spec = ServerSpec("sluice worker", argv, {}, lambda: True, self.tmp / "worker.log", env)
        self.worker = spec.spawn()
        return self.worker

    def pids(self) -> dict[str, int]:
        """The processes doing the work: this one runs the client, and the central worker
        unless `start_worker` gave it its own."""
        agent = {"agent": self.agent.pid} if self.agent else {}
        servers = dict(zip(["temporal", "seaweedfs"], [p.pid for p in self.procs], strict=True))
        if self.worker is not None:
            return {"client": os.getpid(), "worker": self.worker.pid, **servers, **agent}
        return {"worker+client": os.getpid(), **servers, **agent}

    def stop_all(self) -> None:
        for proc in [self.agent, self.worker, *reversed(self.procs)]:
            if proc is not None:
                stop(proc)

    def detected(self, path: Path) -> DetectedFile:
        st = path.stat()
        return DetectedFile(
            self.agent_id, "bench", str(self.root), path.relative_to(self.root).as_posix(),
            st.st_size, st.st_mtime_ns, datetime.now(UTC).isoformat(),
        )  # fmt: skip
