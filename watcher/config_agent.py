"""`sluice config-agent`: the sidecar beside one Prometheus, vmalert or Alertmanager.

It runs a Temporal worker on the target's `config_queue`, where ConfigRolloutWorkflow's
apply steps land, and a loop that reports the target's status to the control plane and
checks for drift (the live files changed by hand). With the control plane down it changes
nothing on disk and retries with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities.config_sync import ConfigSyncActivities, ControlPlaneError
from sluice.contracts.config_sync import TargetStatus
from sluice.logs.temporal import worker_interceptors
from sluice.settings import ConfigAgentSettings
from watcher.metrics import MetricsServer

log = logging.getLogger("sluice.config_agent")


class StatusReporter:
    """Reports every `report_interval`, and at once when drift appears or goes; checks
    drift every `drift_interval`. Failed reports back off up to `max_backoff`."""

    def __init__(self, cfg: ConfigAgentSettings, sync: ConfigSyncActivities) -> None:
        self.cfg = cfg
        self.sync = sync
        self.last: TargetStatus | None = None  # the last status the control plane took
        self.failures = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_report = next_drift = loop.time()
        drift: bool | None = None
        while True:
            now = loop.time()
            if now >= next_drift:
                status = await asyncio.to_thread(self.sync.status)
                if drift is not None and status.drift != drift:
                    next_report = now  # tell at once
                    self._log_drift(status)
                drift = status.drift
                next_drift = now + self.cfg.drift_interval
            if now >= next_report:
                next_report = now + await self.report_once()
            await asyncio.sleep(max(0.0, min(next_report, next_drift) - loop.time()))

    async def report_once(self) -> float:
        """Send one report; the seconds until the next one (backing off after failures)."""
        try:
            self.last = await asyncio.to_thread(self.sync.report_status)
        except ControlPlaneError as exc:
            self.failures += 1
            self.sync.metrics.report_failures.set(self.failures)
            delay = min(self.cfg.max_backoff, 2.0**self.failures)
            if not exc.retryable:
                delay = self.cfg.max_backoff
            log.warning("status report failed (retry in %.1fs): %s", delay, exc)
            return delay
        if self.failures:
            log.info("control plane reachable again; status reported")
        self.failures = 0
        self.sync.metrics.report_failures.set(0)
        return self.cfg.report_interval

    def _log_drift(self, status: TargetStatus) -> None:
        if status.drift:
            log.warning(
                "drift: the files in %s differ from version %d (changed by hand); the next "
                "rollout replaces them",
                self.cfg.config_dir, status.version,
            )  # fmt: skip
        else:
            log.info("drift gone: the files match version %d again", status.version)


class ConfigAgent:
    def __init__(self, cfg: ConfigAgentSettings, client: Client, grace: float = 20.0) -> None:
        self.cfg = cfg
        self.client = client
        self.grace = grace
        self.sync = ConfigSyncActivities(cfg)
        self.reporter = StatusReporter(cfg, self.sync)
        self.metrics_server: MetricsServer | None = None

    async def run(self) -> None:
        """Serve the target's queue and report until cancelled."""
        self.sync.dir.ensure()
        recovered = await asyncio.to_thread(self.sync.recover)
        if recovered is not None:
            log.warning("%s", recovered.error)
        await self._serve_metrics()
        log.info(
            "config agent for %s %s: files in %s, queue %s",
            self.cfg.kind, self.cfg.target, self.cfg.config_dir, self.cfg.queue,
        )  # fmt: skip
        with ThreadPoolExecutor(4, thread_name_prefix="config-activity") as pool:
            worker = Worker(
                self.client,
                task_queue=self.cfg.queue,
                activities=[self.sync.apply_config],
                activity_executor=pool,
                max_concurrent_activities=2,
                interceptors=worker_interceptors(self.client),
                graceful_shutdown_timeout=timedelta(seconds=self.grace),
            )
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(worker.run())
                    group.create_task(self.reporter.run())
            finally:
                self.sync.http.close()
                if self.metrics_server is not None:
                    await self.metrics_server.close()

    async def _serve_metrics(self) -> None:
        """`/metrics` and `/healthz` on `metrics_port`; a busy port is a start-up error."""
        if self.cfg.metrics_port is None:
            return
        server = MetricsServer(
            self.sync.metrics, lambda: (True, {"status": "ok"}), "config_agent.metrics_port"
        )
        await server.start(self.cfg.metrics_host, self.cfg.metrics_port)
        self.metrics_server = server
