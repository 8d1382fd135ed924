"""Live configuration: register, heartbeat, pull config from the control plane, reload locally.

The effective agent settings are the local ones (file + env) with the control plane's
pushed keys on top. A config that does not validate, or names a root that cannot be
watched, is refused as a whole: the agent keeps the last good one and reports the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sluice.settings import Settings, SettingsError
from watcher.control import (
    ConfigCache,
    ControlPlane,
    ControlPlaneError,
    NotRegistered,
    PushedConfig,
)
from watcher.filters import FileFilter
from watcher.watching import AgentConfigError, check_watchable, checked_roots

if TYPE_CHECKING:
    from watcher.backpressure import HighWaterMark
    from watcher.detection import Detection
    from watcher.dispatch import Dispatcher
    from watcher.host_worker import HostWorker
    from watcher.logalerts.service import LogAlerts
    from watcher.metrics import AgentMetrics

log = logging.getLogger("sluice.agent")


class LiveConfig:
    """Everything that changes the agent's settings while it runs.

    It owns the settings (`local`, `pushed`, and `settings`, the two merged), the link to
    the control plane and the config cache, and hands each change to the parts that use it.
    `report` is the heartbeat body; `notice` records what the control plane should show.
    """

    def __init__(
        self,
        local: Settings,
        *,
        detection: Detection,
        log_alerts: LogAlerts,
        dispatcher: Dispatcher,
        high_water: HighWaterMark,
        host_worker: HostWorker,
        metrics: AgentMetrics,
        notice: Callable[[str, str], None],
        report: Callable[[], dict[str, Any]],
        load_local: Callable[[], Settings] | None = None,
        config_file: Path | None = None,
    ) -> None:
        cfg = local.agent
        self.local = self.settings = local
        self.pushed: PushedConfig | None = None
        self.last_error = ""
        self.cache = ConfigCache(cfg.state_dir / "agent-config.json")
        self.control = ControlPlane(cfg) if cfg.api_url else None
        self._detection = detection
        self._log_alerts = log_alerts
        self._dispatcher = dispatcher
        self._high_water = high_water
        self._host_worker = host_worker
        self._metrics = metrics
        self._notice = notice
        self._report = report
        self._load_local = load_local
        self._config_file = config_file
        self._reload = asyncio.Event()

    async def close(self) -> None:
        if self.control is not None:
            await self.control.close()

    def apply(self, pushed: PushedConfig | None, local: Settings | None = None) -> None:
        """Make `local` + `pushed` the running config; AgentConfigError leaves the old one."""
        local = local or self.local
        try:
            agent = local.agent.with_live(pushed.config) if pushed else local.agent
        except ValueError as exc:
            raise AgentConfigError(f"config version {_v(pushed)} refused: {exc}") from None
        roots = checked_roots(agent.roots)
        new_roots = [root for root in roots if root not in self._detection.roots]
        new_filter = FileFilter.from_settings(agent)
        if new_roots and agent.observer == "inotify":
            check_watchable(new_roots, file_filter=new_filter)
        old = self.settings.agent
        self.local, self.pushed = local, pushed
        self.settings = local.model_copy(update={"agent": agent})
        self._dispatcher.configure(self.settings)
        self._high_water.mark = agent.spool_high_water
        self._detection.configure(agent, roots, new_filter)
        self._host_worker.reconfigure(roots, agent.max_activities)
        self._log_alerts.configure(agent, roots)
        self._metrics.config_version.set(_v(pushed))
        changed = sorted(k for k in agent.LIVE_KEYS if getattr(old, k) != getattr(agent, k))
        if changed:
            log.info("applied config version %d: %s changed", _v(pushed), ", ".join(changed))
            self._notice("config_applied", f"version {_v(pushed)}: {', '.join(changed)}")
        if new_roots or "exclude_dirs" in changed or "include_hidden" in changed:
            self._detection.scan()

    async def connect_control_plane(self) -> None:
        """Register and apply the control plane's config, or the cached one if unreachable."""
        if self.control is None:
            return
        pushed: PushedConfig | None
        try:
            await self.control.register(self.settings.agent, self._detection.roots, 0)
            pushed = await self.control.fetch_config()
        except ControlPlaneError as exc:
            self._control_plane_down(exc)
            pushed = self.cache.load()
            if pushed is not None:
                log.info("using cached config version %d", pushed.version)
        if pushed is not None and pushed.version > 0:
            self._apply_pushed(pushed)

    async def manage(self) -> None:
        """Heartbeat every `heartbeat_interval`; pull and apply a newer config version."""
        if self.control is None:
            return
        was_down = False
        while True:
            await asyncio.sleep(self.settings.agent.heartbeat_interval)
            try:
                wanted = await self.control.heartbeat(self._report())
                if wanted != _v(self.pushed):
                    self._apply_pushed(await self.control.fetch_config())
            except NotRegistered:
                with contextlib.suppress(ControlPlaneError):
                    await self.control.register(
                        self.settings.agent, self._detection.roots, _v(self.pushed)
                    )
                continue
            except ControlPlaneError as exc:
                if not was_down:
                    self._control_plane_down(exc)
                was_down = True
                continue
            if was_down:
                log.info("control plane reachable again")
                was_down = False

    def _apply_pushed(self, pushed: PushedConfig) -> None:
        try:
            self.apply(pushed)
        except AgentConfigError as exc:
            self.last_error = str(exc)
            self._metrics.errors.labels("config").inc()
            log.error("%s; keeping config version %d", exc, _v(self.pushed))
            self._notice("config_refused", str(exc))
            return
        self.cache.save(pushed)

    def _control_plane_down(self, exc: Exception) -> None:
        self.last_error = str(exc)
        self._metrics.errors.labels("control_plane").inc()
        log.warning("%s; working from the last good config", exc)

    def request_reload(self) -> None:
        """SIGHUP: re-read the local config now."""
        self._reload.set()

    async def watch_local_config(self, every: float = 2.0) -> None:
        """Reload when the local config file changes, or on SIGHUP."""
        if self._load_local is None:
            return
        stamp = _mtime(self._config_file)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reload.wait(), timeout=every)
            current = _mtime(self._config_file)
            if not self._reload.is_set() and current == stamp:
                continue
            self._reload.clear()
            stamp = current
            self.reload_local()

    def reload_local(self) -> None:
        assert self._load_local is not None
        old = self.local
        try:
            local = self._load_local()
            self.apply(self.pushed, local)
        except (SettingsError, AgentConfigError) as exc:
            self.last_error = str(exc)
            self._metrics.errors.labels("config").inc()
            log.error("local config not reloaded: %s", exc)
            return
        restart = _needs_restart(old, local)
        if restart:
            log.warning("changed settings that need a restart: %s", ", ".join(restart))
        log.info("local config reloaded")


def _v(pushed: PushedConfig | None) -> int:
    return pushed.version if pushed else 0


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path else None
    except OSError:
        return None


def _needs_restart(old: Settings, new: Settings) -> list[str]:
    changed = [
        name
        for name in type(new).model_fields
        if name != "agent" and getattr(old, name) != getattr(new, name)
    ]
    live = old.agent.LIVE_KEYS
    changed += [
        f"agent.{name}"
        for name in type(new.agent).model_fields
        if name not in live and getattr(old.agent, name) != getattr(new.agent, name)
    ]
    return changed
