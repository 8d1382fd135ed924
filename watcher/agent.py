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
from activities.host_views import view_activities
from sluice.contracts import DetectedFile
from sluice.contracts.host_queries import host_view_queue
from sluice.logs.context import bound
from sluice.settings import Settings
from watcher.backpressure import HighWaterMark
from watcher.detection import Detection
from watcher.dispatch import Dispatcher
from watcher.host_worker import HostWorker
from watcher.live import LiveConfig
from watcher.logalerts.service import LogAlerts
from watcher.metrics import AgentMetrics, MetricsServer
from watcher.resources.service import Resources
from watcher.spool import SpoolStore
from watcher.watching import AgentConfigError, check_watchable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["Agent", "AgentConfigError"]

log = logging.getLogger("sluice.agent")


class Agent:
    """One host's daemon. `load_local` re-reads the local config (file change or SIGHUP).

    Composed of parts that each own their state: `detection` (roots, filters, what was seen),
    the `spool`, the `dispatcher`, the `host_worker` (with its `view_worker`), and `live`,
    which owns the settings and passes each change on to the others.
    """

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
        self.metrics = metrics or AgentMetrics()
        self.spool = SpoolStore(cfg.spool_path)
        self.dispatcher = Dispatcher(client, self.spool, settings, self.metrics)
        self.high_water = HighWaterMark(cfg.spool_high_water)
        self.notices: deque[dict[str, str]] = deque(maxlen=20)
        self.detection = Detection(
            cfg, self.spool, self.metrics, notice=self.notice, on_spooled=self._spooled
        )
        self.view_worker = HostWorker(
            client,
            host_view_queue(cfg.id),
            lambda roots: view_activities(
                roots, lambda: self.detection.filter, resources=self.resources
            ),
            self.detection.roots,
            cfg.view_activities,
            cfg.shutdown_grace,
            self.metrics,
        )
        self.host_worker = HostWorker(
            client,
            cfg.host_queue,
            lambda roots: host_activities(s3, roots, cfg.script_allow, resources=self.resources),
            self.detection.roots,
            cfg.max_activities,
            cfg.shutdown_grace,
            self.metrics,
            views=self.view_worker,
            views_limit=lambda: self.live.settings.agent.view_activities,
        )
        self.log_alerts = LogAlerts(cfg, self.detection.roots, notice=self.notice)
        self.resources = Resources(
            cfg, lambda: self.live.settings.agent, self.metrics.registry,
            wake_sender=self.log_alerts.sender.wake, notice=self.notice,
        )  # fmt: skip
        self.live = LiveConfig(
            settings,
            detection=self.detection,
            log_alerts=self.log_alerts,
            dispatcher=self.dispatcher,
            high_water=self.high_water,
            host_worker=self.host_worker,
            metrics=self.metrics,
            notice=self.notice,
            report=self.report,
            load_local=load_local,
            config_file=config_file,
        )
        self.metrics_server: MetricsServer | None = None

    async def run(self) -> None:
        """Run until cancelled; on cancel the host worker finishes or heartbeats its work.

        Every line logged meanwhile (activities included) carries this agent's id."""
        with bound(agent_id=self.live.settings.agent.id):
            await self._run()

    async def _run(self) -> None:
        detection = self.detection
        if self.live.settings.agent.observer == "inotify":
            await asyncio.to_thread(check_watchable, detection.roots, file_filter=detection.filter)
        await self.live.connect_control_plane()
        loop = asyncio.get_running_loop()
        detection.start_watching()
        with contextlib.suppress(ValueError, RuntimeError):  # main thread only
            loop.add_signal_handler(signal.SIGHUP, self.live.request_reload)
        cfg = self.live.settings.agent
        log.info(
            "agent %s watching %s with %s (silence %.1fs)",
            cfg.id, ", ".join(map(str, detection.roots)), cfg.observer, cfg.silence,
        )  # fmt: skip
        try:
            await self._serve_metrics()
            detection.startup_scan()
            async with asyncio.TaskGroup() as group:
                group.create_task(self.host_worker.run())
                group.create_task(self.view_worker.run())
                group.create_task(self.dispatcher.run())
                group.create_task(detection.take_events())
                group.create_task(detection.settle())
                group.create_task(detection.reconcile())
                group.create_task(self._maintain())
                group.create_task(self.live.manage())
                group.create_task(self.live.watch_local_config())
                group.create_task(self.log_alerts.run())
                group.create_task(self.resources.run())
        finally:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signal.SIGHUP)
            detection.stop_watching()
            if self.metrics_server is not None:
                await self.metrics_server.close()
            await self.live.close()
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
            retention = self.live.settings.agent.spool_retention
            if time.monotonic() - last_prune > min(3600.0, retention):
                last_prune = time.monotonic()
                pruned = self.spool.prune(retention, _unchanged)
                if pruned:
                    log.info("pruned %d spool entries past retention", pruned)

    def _spooled(self) -> None:
        """New files are in the spool: check its depth and start them."""
        self._check_high_water()
        self.dispatcher.wake()

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
            "last_error": self.live.last_error or self.dispatcher.last_error,
            "config_version": self.live.pushed.version if self.live.pushed else 0,
            "events": list(self.notices),
        }

    def health(self) -> tuple[bool, dict[str, Any]]:
        watcher = self.detection.watcher
        watching = watcher is not None and watcher.alive()
        return watching, {
            "status": "ok" if watching else "not watching",
            "agent": self.live.settings.agent.id,
            "temporal": "unreachable" if self.dispatcher.failures else "ok",
            **self.report(),
        }

    async def _serve_metrics(self) -> None:
        cfg = self.live.settings.agent
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
