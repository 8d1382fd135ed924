"""`sluice agent`: watch roots, settle files, spool, dispatch, and run the host worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from temporalio.client import Client

from activities.host import host_activities
from sluice.contracts import DetectedFile
from sluice.settings import Settings
from watcher.backpressure import HighWaterMark
from watcher.control import ConfigCache, ControlPlane, PushedConfig
from watcher.detection import Detection
from watcher.dispatch import Dispatcher
from watcher.filters import FileFilter
from watcher.host_worker import HostWorker
from watcher.live import LiveConfig
from watcher.metrics import AgentMetrics, MetricsServer
from watcher.scanning import SeenFiles
from watcher.spool import SpoolStore
from watcher.stability import StabilityTracker
from watcher.watching import (
    AgentConfigError,
    EventKind,
    RootWatcher,
    _Forwarder,
    check_watchable,
    checked_roots,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["Agent", "AgentConfigError", "_Forwarder", "checked_roots"]

log = logging.getLogger("sluice.agent")


class Agent(Detection, LiveConfig):
    """One host's daemon. `load_local` re-reads the local config (file change or SIGHUP)."""

    def __init__(
        self,
        settings: Settings,
        client: Client,
        s3: S3Client,
        *,
        load_local: Callable[[], Settings] | None = None,
        config_file: Path | None = None,
        metrics: AgentMetrics | None = None,
    ) -> None:
        cfg = settings.agent
        self.local = self.settings = settings
        self.pushed: PushedConfig | None = None
        self.metrics = metrics or AgentMetrics()
        self.roots = checked_roots(cfg.roots)
        self.filter = FileFilter.from_settings(cfg)
        self.tracker = StabilityTracker(cfg.silence, cfg.close_settle)
        self.spool = SpoolStore(cfg.spool_path)
        self.dispatcher = Dispatcher(client, self.spool, settings, self.metrics)
        self.high_water = HighWaterMark(cfg.spool_high_water)
        self.seen = SeenFiles()
        self.notices: deque[dict[str, str]] = deque(maxlen=20)
        self.cache = ConfigCache(cfg.state_dir / "agent-config.json")
        self.control = ControlPlane(cfg) if cfg.api_url else None
        self.host_worker = HostWorker(
            client,
            cfg.host_queue,
            lambda roots: host_activities(s3, roots, cfg.script_allow),
            self.roots,
            cfg.max_activities,
            cfg.shutdown_grace,
            self.metrics,
        )
        self.watcher: RootWatcher | None = None
        self.metrics_server: MetricsServer | None = None
        self.last_error = ""
        self._load_local = load_local
        self._config_file = config_file
        self._reload = asyncio.Event()
        self._events: asyncio.Queue[tuple[EventKind, Path]] = asyncio.Queue()
        self._refused_links: set[str] = set()
        self._unreadable_dirs: set[str] = set()

    async def run(self) -> None:
        """Run until cancelled; on cancel the host worker finishes or heartbeats its work."""
        if self.settings.agent.observer == "inotify":
            await asyncio.to_thread(check_watchable, self.roots, file_filter=self.filter)
        await self.connect_control_plane()
        loop = asyncio.get_running_loop()
        cfg = self.settings.agent
        self.watcher = RootWatcher(
            cfg.observer, cfg.poll_interval, _Forwarder(loop, self._events, self.metrics)
        )
        self.watcher.start(self.roots)
        with contextlib.suppress(ValueError, RuntimeError):  # main thread only
            loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        log.info(
            "agent %s watching %s with %s (silence %.1fs)",
            cfg.id, ", ".join(map(str, self.roots)), cfg.observer, cfg.silence,
        )  # fmt: skip
        try:
            await self._serve_metrics()
            self.startup_scan()
            async with asyncio.TaskGroup() as group:
                group.create_task(self.host_worker.run())
                group.create_task(self.dispatcher.run())
                group.create_task(self._take_events())
                group.create_task(self._settle())
                group.create_task(self._reconcile())
                group.create_task(self._maintain())
                group.create_task(self.manage())
                group.create_task(self.watch_local_config())
        finally:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signal.SIGHUP)
            self.watcher.stop()
            if self.metrics_server is not None:
                await self.metrics_server.close()
            if self.control is not None:
                await self.control.close()
            self.spool.close()

    # -- operations --------------------------------------------------------------------------

    async def _maintain(self, every: float = 2.0) -> None:
        """Refresh in-flight and spool gauges, raise the high-water alarm, prune the spool."""
        last_prune = time.monotonic()
        while True:
            await asyncio.sleep(every)
            if await self.dispatcher.in_flight.refresh():
                self.metrics.in_flight.set(self.dispatcher.in_flight.count)
            self._check_high_water()
            if time.monotonic() - last_prune > min(3600.0, self.settings.agent.spool_retention):
                last_prune = time.monotonic()
                pruned = self.spool.prune(self.settings.agent.spool_retention, _unchanged)
                if pruned:
                    log.info("pruned %d spool entries past retention", pruned)

    def _check_high_water(self) -> None:
        depth = self.spool.depth()
        self.metrics.spool_depth.set(depth)
        change = self.high_water.update(depth)
        if change == "raised":
            self.metrics.high_water.set(1)
            message = (
                f"spool holds {depth} undispatched files (high-water mark "
                f"{self.high_water.mark}); Temporal may be down or dispatch throttled"
            )
            log.warning("%s", message)
            self.notice("spool_high_water", message)
        elif change == "cleared":
            self.metrics.high_water.set(0)
            self.notice("spool_drained", f"spool back to {depth} pending files")
            log.info("spool back below its high-water mark (%d pending)", depth)

    def notice(self, kind: str, message: str) -> None:
        """Something the control plane shows (sent with the next heartbeats)."""
        self.notices.append({"kind": kind, "message": message, "at": datetime.now(UTC).isoformat()})

    def report(self) -> dict[str, Any]:
        """Heartbeat body: what the control plane shows about this agent."""
        return {
            "spool_depth": self.spool.depth(),
            "in_flight": self.dispatcher.in_flight.count,
            "last_error": self.last_error or self.dispatcher.last_error,
            "config_version": self.pushed.version if self.pushed else 0,
            "events": list(self.notices),
        }

    def health(self) -> tuple[bool, dict[str, Any]]:
        watching = self.watcher is not None and self.watcher.alive()
        return watching, {
            "status": "ok" if watching else "not watching",
            "agent": self.settings.agent.id,
            "temporal": "unreachable" if self.dispatcher.failures else "ok",
            **self.report(),
        }

    async def _serve_metrics(self) -> None:
        cfg = self.settings.agent
        if cfg.metrics_port is None:
            return
        server = MetricsServer(self.metrics, self.health)
        try:
            await server.start(cfg.metrics_host, cfg.metrics_port)
        except OSError as exc:
            log.warning("%s; running without it", exc)
            self.notice("metrics_unavailable", str(exc))
            return
        self.metrics_server = server


def _unchanged(file: DetectedFile) -> bool:
    try:
        st = os.stat(os.path.join(file.root, file.rel_path))
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (file.size, file.mtime_ns)
