"""The activities of `sluice config-agent` (on its target's `config_queue`): apply the desired
files, reload the target, verify them live, and restore the previous files when they are not.

The files come from the control plane with the agent's own token, never through the
workflow: receiver secrets stay out of Temporal's history.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.config_sync.control_plane import ControlPlane, ControlPlaneError
from activities.config_sync.files import ConfigDir, LiveState, check_name
from activities.config_sync.metrics import ConfigAgentMetrics
from activities.config_sync.targets import (
    Beat,
    ReloadFailed,
    Snapshot,
    TargetControl,
    TargetUnreachable,
)
from sluice.contracts.config_sync import (
    ApplyResult,
    DesiredConfig,
    RolloutInput,
    TargetStatus,
    files_digest,
)
from sluice.settings import ConfigAgentSettings

__all__ = ["SUPERSEDED", "ConfigSyncActivities", "ControlPlaneError"]

log = logging.getLogger("sluice.config_agent")

# How ApplyResult.error starts when a newer publish made the rollout moot (not a failure).
SUPERSEDED = "superseded: "


def _heartbeat(step: str) -> None:
    if activity.in_activity():
        activity.heartbeat(step)


class ConfigSyncActivities:
    """One target's files. Applies run one at a time (a lock), whoever asks."""

    def __init__(self, cfg: ConfigAgentSettings, http: httpx.Client | None = None) -> None:
        self.cfg = cfg
        self.http = http or httpx.Client()
        self.dir = ConfigDir(cfg.config_dir)
        self.target = TargetControl(cfg, self.http)
        self.api = ControlPlane(cfg, self.http)
        self._lock = threading.Lock()
        self.metrics = ConfigAgentMetrics()

    @activity.defn(name="apply_config")
    def apply_config(self, rollout: RolloutInput) -> ApplyResult:
        """Apply `rollout`; the outcome is reported to the control plane at once."""
        with self._lock:
            result = self.apply(rollout, _heartbeat)
        self._count(result)
        if result.applied:
            log.info("version %d (%s) is live", rollout.version, rollout.digest[:12])
        else:
            log.warning("%s", result.error)
        try:
            self.report_status()
        except ControlPlaneError as exc:  # the report loop sends it later
            log.warning("status not reported: %s", exc)
        return result

    def apply(self, rollout: RolloutInput, beat: Beat) -> ApplyResult:
        beat("fetching the desired files")
        desired = self._fetch(rollout)
        state = self.dir.state()
        if desired.digest != rollout.digest:
            return ApplyResult(
                applied=False,
                digest=self.dir.disk_digest(state),
                error=(
                    f"{SUPERSEDED}the control plane now wants version {desired.version} "
                    f"({desired.digest[:12]}), not {rollout.version} ({rollout.digest[:12]}); "
                    "the newer version's rollout applies it"
                ),
            )
        live = state.digest == desired.digest and not state.pending
        if live and self.dir.disk_digest(state) == state.digest:
            return ApplyResult(applied=True, digest=state.digest)  # already live
        try:
            before = self.target.snapshot()
        except TargetUnreachable as exc:  # nothing written yet: a later attempt may do
            raise ApplicationError(str(exc), type="network") from None
        return self._replace(desired, state, before, beat)

    def _fetch(self, rollout: RolloutInput) -> DesiredConfig:
        try:
            desired = self.api.desired()
        except ControlPlaneError as exc:
            raise ApplicationError(
                str(exc), type=exc.error_class, non_retryable=not exc.retryable
            ) from None
        if files_digest(desired.files) != desired.digest:
            raise ApplicationError(
                f"the desired files of version {desired.version} do not match their digest",
                type="checksum",
            )
        try:
            for f in desired.files:
                check_name(f.name)
        except ValueError as exc:
            raise ApplicationError(str(exc), type="invalid_input", non_retryable=True) from None
        return desired

    def _replace(
        self, desired: DesiredConfig, state: LiveState, before: Snapshot, beat: Beat
    ) -> ApplyResult:
        self.dir.ensure()
        names = sorted(f.name for f in desired.files)
        if not state.pending:  # after a crash mid-apply, the backup taken then still holds
            self.dir.back_up(sorted(set(state.files) | set(names)))
        state.pending = desired.digest
        self.dir.save_state(state)
        beat(f"writing version {desired.version}")
        since = time.time()
        try:
            self.dir.write(desired.files, [n for n in state.files if n not in names])
            beat(f"reloading {self.target.kind}")
            self.target.reload()
            self.target.verify(before, desired.files, since, beat)
        except (ReloadFailed, OSError) as exc:
            return self._roll_back(state, f"version {desired.version} not applied: {exc}", beat)
        applied = LiveState(
            version=desired.version,
            digest=desired.digest,
            files=names,
            applied_at=datetime.now(UTC).isoformat(),
        )
        self.dir.save_state(applied)
        return ApplyResult(applied=True, digest=desired.digest)

    def _roll_back(self, state: LiveState, error: str, beat: Beat) -> ApplyResult:
        """Put the previous files back, reload, and check that they run again."""
        beat("restoring the previous files")
        restored = True
        try:
            self.dir.restore()
            before = self.target.snapshot()
            since = time.time()
            self.target.reload()
            self.target.verify(before, self.dir.read(self.dir.backed_up()), since, beat)
        except (ReloadFailed, TargetUnreachable, OSError) as exc:
            restored = False
            error = f"{error}; the previous files are back on disk but did not reload: {exc}"
        state.pending = ""
        state.error = error
        self.dir.save_state(state)
        return ApplyResult(
            applied=False, digest=self.dir.disk_digest(state), error=error, restored=restored
        )

    def _count(self, result: ApplyResult) -> None:
        if result.error.startswith(SUPERSEDED):
            self.metrics.applies.labels("superseded").inc()
            return
        self.metrics.applies.labels("applied" if result.applied else "failed").inc()
        self.metrics.last_apply_success.set(1 if result.applied else 0)

    def recover(self) -> ApplyResult | None:
        """After a stop mid-apply (the state says one was under way), put the previous
        files back: the new ones were never verified. None when there was nothing to do."""
        with self._lock:
            state = self.dir.state()
            if not state.pending:
                return None
            error = (
                f"an apply of {state.pending[:12]} was interrupted (the agent stopped); "
                "the previous files were restored, and the rollout's retry applies it again"
            )
            result = self._roll_back(state, error, _heartbeat)
        self._count(result)
        return result

    # -- status ------------------------------------------------------------------------------

    def status(self) -> TargetStatus:
        """What runs here: the live version, and whether its files were changed by hand."""
        state = self.dir.state()
        disk = self.dir.disk_digest(state)
        drift = state.version > 0 and not state.pending and disk != state.digest
        self.metrics.drift.set(1 if drift else 0)
        self.metrics.version.set(state.version)
        live = state.digest
        if state.version == 0 and not state.files and not state.pending:
            live = files_digest([])  # none applied, none managed: a target given nothing is in sync
        return TargetStatus(
            version=state.version,
            digest=live,
            disk_digest=disk,
            drift=drift,
            applied_at=state.applied_at,
            error=state.error,
        )

    def report_status(self) -> TargetStatus:
        """Send `status()` to the control plane (ControlPlaneError when it is not taken)."""
        status = self.status()
        self.api.report(status)
        return status
