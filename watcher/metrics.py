"""The agent's Prometheus metrics and its loopback `/metrics` + `/healthz` endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from sluice.contracts import ERROR_CLASSES

log = logging.getLogger("sluice.agent")

# `sluice_agent_errors` classes: the agent's own, and the classes of failed host activities
# (an unclassified exception adds its type name when it first happens).
KNOWN_ERRORS = (
    "dispatch", "shutdown", "unreadable_dir", "symlink_escape", "config", "control_plane",
    *ERROR_CLASSES,
)  # fmt: skip


class AgentMetrics:
    """One registry per agent, so several agents in one process (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "sluice_agent_events", "File system events seen, by outcome", ["outcome"], registry=r
        )
        self.detected = Counter("sluice_agent_files_detected", "Files spooled", registry=r)
        self.dispatched = Counter(
            "sluice_agent_dispatched", "Workflow starts, by outcome", ["outcome"], registry=r
        )
        self.spool_depth = Gauge("sluice_agent_spool_depth", "Pending spool entries", registry=r)
        self.high_water = Gauge(
            "sluice_agent_spool_high_water", "1 while the spool is above its high-water mark",
            registry=r,
        )  # fmt: skip
        self.in_flight = Gauge(
            "sluice_agent_in_flight", "This agent's running workflows", registry=r
        )
        self.dispatch_latency = Histogram(
            "sluice_agent_dispatch_latency_seconds",
            "From the file settling (spooled) to its workflow starting",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
            registry=r,
        )
        self.bytes_uploaded = Counter(
            "sluice_agent_uploaded_bytes", "Bytes uploaded by the host worker", registry=r
        )
        self.errors = Counter(
            "sluice_agent_errors", "Errors, by class", ["error_class"], registry=r
        )
        self.config_version = Gauge(
            "sluice_agent_config_version", "Applied control-plane config version", registry=r
        )

        # Known label values exist at 0, so rate() sees each first event (see docs/agent.md).
        for outcome in ("seen", "filtered"):
            self.events.labels(outcome)
        for outcome in ("started", "duplicate"):
            self.dispatched.labels(outcome)
        for error_class in KNOWN_ERRORS:
            self.errors.labels(error_class)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class Rendered(Protocol):
    def render(self) -> bytes: ...


class MetricsServer:
    """A minimal HTTP/1.0 server: GET /metrics and GET /healthz, nothing else (the agent's
    and the config sidecar's)."""

    def __init__(
        self,
        metrics: Rendered,
        health: Callable[[], tuple[bool, dict[str, Any]]],
        setting: str = "agent.metrics_port",  # named in the error of a busy port
    ) -> None:
        self._setting = setting
        self._metrics = metrics
        self._health = health
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        try:
            self._server = await asyncio.start_server(self._handle, host, port)
        except OSError as exc:
            raise OSError(
                f"metrics port {host}:{port} unavailable ({exc.strerror}); "
                f"set {self._setting} to a free port, or null to disable it"
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("metrics on http://%s:%d/metrics", host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
                pass
            method, _, rest = request.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method != "GET":
                status, ctype, body = "405 Method Not Allowed", "text/plain", b"GET only\n"
            elif path == "/metrics":
                status, ctype, body = "200 OK", CONTENT_TYPE_LATEST, self._metrics.render()
            elif path == "/healthz":
                ok, detail = self._health()
                status = "200 OK" if ok else "503 Service Unavailable"
                ctype, body = "application/json", json.dumps(detail).encode()
            else:
                status, ctype, body = "404 Not Found", "text/plain", b"/metrics or /healthz\n"
            head = (
                f"HTTP/1.0 {status}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
