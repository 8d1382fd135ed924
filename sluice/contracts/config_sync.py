"""What the control plane, ConfigRolloutWorkflow and `sluice config-agent` (the sidecar beside
a Prometheus, vmalert or Alertmanager) pass each other.

Secrets never travel in workflow history: the workflow carries the target, version and
digest only; the sidecar fetches the rendered files (receiver secrets decrypted) from the API
with its own token, `GET /api/v1/config-targets/{target}/desired`, and reports what runs with
`PUT /api/v1/config-targets/{target}/status`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

CONFIG_ROLLOUT_WORKFLOW = "ConfigRolloutWorkflow"
# The failure type of a rollout that no sidecar took within its agent_wait: the sidecar's
# next status report starts it again (a rollout failed any other way is not retried so).
AGENT_ABSENT = "config_agent_absent"
TargetKind = Literal["prometheus", "vmalert", "alertmanager"]


def config_queue(target: str) -> str:
    """The task queue of a target's sidecar: the rollout's file steps run there."""
    return f"sluice-config-{target}"


def rollout_id(target: str, digest: str) -> str:
    """One rollout per target and desired content: publishing the same files twice is one."""
    return f"config-rollout-{target}-{digest[:16]}"


@dataclass
class ConfigFile:
    name: str  # a plain file name inside the sidecar's config directory (no slashes)
    content: str


def files_digest(files: list[ConfigFile]) -> str:
    """sha256 over the files' names and contents, in name order."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        h.update(f.name.encode() + b"\0" + f.content.encode() + b"\0")
    return h.hexdigest()


@dataclass
class DesiredConfig:
    """The answer of GET /api/v1/config-targets/{target}/desired."""

    target: str
    kind: TargetKind
    version: int  # increases with every change of what applies to the target
    digest: str  # files_digest(files)
    files: list[ConfigFile] = field(default_factory=list)


@dataclass
class RolloutInput:
    target: str
    version: int
    digest: str
    # How long the apply step waits for the target's sidecar to take it (config_sync.agent_wait).
    agent_wait: float = 600.0


# The central worker writes a rollout's failure to the database (activities/config_rollouts.py)
# when the sidecar cannot: no sidecar took the step, or it failed before it could report.
RECORD_ROLLOUT_FAILURE = "record_config_rollout_failure"


@dataclass
class RolloutFailure:
    workflow_id: str
    error: str


@dataclass
class ApplyResult:
    """What the sidecar's apply step did: `applied` and verified live, or `error` (then the
    previous files were restored and reloaded: `restored`)."""

    applied: bool
    digest: str = ""  # of the files now on disk
    error: str = ""
    restored: bool = False


@dataclass
class TargetStatus:
    """The body of PUT /api/v1/config-targets/{target}/status (the sidecar's report)."""

    version: int  # live: the last version applied and verified (0: none yet)
    digest: str  # of the live version's files
    disk_digest: str  # of the files on disk now
    drift: bool  # the files on disk differ from the live version (changed by hand)
    applied_at: str | None = None  # ISO 8601
    error: str = ""  # the last apply's error, "" when it succeeded
