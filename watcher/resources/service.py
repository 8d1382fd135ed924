"""The agent's resource sampler: every `agent.resources.interval` a sample, kept in a short
history, set on /metrics, and checked against the thresholds, whose alerts go out through
the log alerts' outbox and sender (the same route to the API, source `agent`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from prometheus_client import CollectorRegistry

from sluice.host_resources import HostResources, Sample, TerminatePolicy, point
from sluice.logalerts import RESERVED_LABELS
from sluice.settings import AgentSettings
from sluice.settings.resources import TerminateSettings
from watcher.logalerts.state import LogAlertState
from watcher.resources.metrics import HostMetrics
from watcher.resources.sample import Sampler
from watcher.resources.thresholds import Thresholds

log = logging.getLogger("sluice.agent")

STATE_FILE = "resource-alerts.json"


class Resources:
    """`cfg` is the config at start; `settings` is called for the running one on each sample
    (so local reloads apply)."""

    def __init__(
        self,
        cfg: AgentSettings,
        settings: Callable[[], AgentSettings],
        registry: CollectorRegistry,
        *,
        wake_sender: Callable[[], None],
        notice: Callable[[str, str], None],
    ) -> None:
        self._settings = settings
        self._wake = wake_sender
        self._notice = notice
        self._sampler = Sampler(cfg.resources.top)
        self._metrics = HostMetrics(registry)
        self._history: deque[Sample] = deque(maxlen=cfg.resources.history)
        self._outbox = LogAlertState(cfg.spool_path)
        self.thresholds = Thresholds(cfg.state_dir / STATE_FILE, self._identity(cfg))

    @property
    def latest(self) -> Sample | None:
        return self._history[-1] if self._history else None

    def view(self) -> HostResources:
        """What `host_resources` answers."""
        cfg = self._settings()
        terminate = cfg.resources.terminate
        return HostResources(
            agent_id=cfg.id, interval=cfg.resources.interval, latest=self.latest,
            history=[point(s) for s in self._history],
            terminate=TerminatePolicy(enabled=terminate.enabled,
                                      allow_names=terminate.allow_names,
                                      allow_users=terminate.allow_users),
        )  # fmt: skip

    def terminate_settings(self) -> TerminateSettings:
        return self._settings().resources.terminate

    async def run(self) -> None:
        try:
            while True:
                cfg = self._settings()
                if cfg.resources.enabled:
                    try:
                        if await asyncio.to_thread(self.step, cfg):
                            self._wake()
                    except Exception as exc:  # a sample must never stop the agent
                        log.exception("resources: sampling failed")
                        self._notice("resources_error", f"sampling failed: {exc!r}"[:500])
                await asyncio.sleep(cfg.resources.interval)
        finally:
            self._outbox.close()

    def step(self, cfg: AgentSettings) -> bool:
        """One sample: history, metrics, thresholds; True if it queued alerts."""
        res = cfg.resources
        self._sampler.top = res.top
        if self._history.maxlen != res.history:
            self._history = deque(self._history, maxlen=res.history)
        sample = self._sampler.sample()
        self._history.append(sample)
        self._metrics.update(sample)
        self.thresholds.identity = self._identity(cfg)
        alerts = self.thresholds.evaluate(sample, res, time.time())
        if alerts:
            self._outbox.queue(alerts)
            for alert in alerts:
                state = "resolved" if "endsAt" in alert else "firing"
                log.info("resource alert %s %s", alert["labels"]["alertname"], state)
        return bool(alerts)

    @staticmethod
    def _identity(cfg: AgentSettings) -> dict[str, str]:
        own = {k: v for k, v in cfg.labels.items() if k not in RESERVED_LABELS}
        return {**own, "agent": cfg.id, "host": cfg.hostname}
