"""The control plane's side of config sync: checks, staleness, rollout starts, import."""

from __future__ import annotations

from pydantic import Field

from sluice.settings.base import Section


class ConfigSyncSettings(Section):
    """How rule sets and Alertmanager configs are checked and their targets watched."""

    # promtool / amtool get this long per document.
    check_timeout: float = Field(default=20.0, gt=0)
    # A target is stale after this long without a report, or with its live version behind
    # the desired one; a stale target raises SluiceConfigTargetStale.
    stale_after: float = Field(default=600.0, gt=0)
    # How often the API looks for targets that went stale (0: only when they are listed).
    check_interval: float = Field(default=60.0, ge=0)
    # Starting a rollout workflow waits this long for Temporal before it is left pending.
    start_timeout: float = Field(default=5.0, gt=0)
    # A rollout's apply step waits this long for the target's sidecar to take it; then the
    # rollout fails as "no config agent took the step" (the sidecar's return catches up).
    agent_wait: float = Field(default=600.0, gt=0)
    # A sidecar whose report shows it behind, after a rollout it missed (it was down), gets
    # that rollout started again: at most once per this many seconds per target (0: never).
    catch_up_interval: float = Field(default=60.0, ge=0)
    # Reading a running target's config for import.
    import_timeout: float = Field(default=10.0, gt=0)
