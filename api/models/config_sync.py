"""Request and response shapes of the config sync API (rule sets, Alertmanager configs,
targets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
Labels = dict[str, str]
RULES_EXAMPLE = """groups:
  - name: node
    rules:
      - alert: NodeDown
        expr: up{job="node"} == 0
        for: 5m
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.instance }} is down"}
"""


class ConfigProblem(BaseModel):
    path: str = Field(description='where, like `groups[0].rules[2].expr` ("" if not known)')
    line: int = Field(description="1-based line of the text (0: not known)")
    message: str


class ConfigErrorDetail(BaseModel):
    code: str
    message: str
    problems: list[ConfigProblem]


class ConfigErrorBody(BaseModel):
    error: ConfigErrorDetail


INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ConfigErrorBody, "description": "the document's problems, at their lines"}
}


class DocumentCreate(BaseModel):
    name: str = Field(pattern=NAME)
    labels: Labels = Field(default_factory=dict, max_length=50)
    text: str = Field(description="the whole document as YAML", examples=[RULES_EXAMPLE])
    comment: str = Field(default="", max_length=500)


class VersionCreate(BaseModel):
    text: str = Field(description="the whole document as YAML; secrets may be sent as <secret>")
    comment: str = Field(default="", max_length=500)


class LabelsUpdate(BaseModel):
    labels: Labels = Field(max_length=50)


class DocumentPublic(BaseModel):
    name: str
    kind: str = Field(description="rules | alertmanager")
    labels: Labels
    live_version: int | None = Field(description="None: never published")
    latest_version: int
    targets: list[str] = Field(description="the targets it applies to")
    created_at: datetime


class VersionPublic(BaseModel):
    version: int
    live: bool
    comment: str
    created_by: str
    created_at: datetime
    published_at: datetime | None = Field(description="last made live; None: never")
    published_by: str
    problems: list[ConfigProblem] = Field(description="an imported draft's; [] when valid")
    diff: str = Field(description="unified diff against the previous version (secrets masked)")


class VersionText(VersionPublic):
    text: str = Field(description="the document; receiver secrets shown as <secret>")


class ValidateRequest(BaseModel):
    text: str
    name: str | None = Field(
        default=None, pattern=NAME, description="the document it would be a version of"
    )


class ValidateResult(BaseModel):
    valid: bool
    problems: list[ConfigProblem]
    targets: list[str] = Field(description="targets whose files would change if published")


class RolloutStartPublic(BaseModel):
    target: str
    version: int
    digest: str
    workflow_id: str
    started: bool = Field(description="False: Temporal not reached, the rollout is pending")
    error: str


class PublishResult(BaseModel):
    version: VersionText
    rollouts: list[RolloutStartPublic]
    rollout_pending: bool = Field(description="some rollout could not start yet (retried)")


TargetKindField = Literal["prometheus", "vmalert", "alertmanager"]


class TargetUpdate(BaseModel):
    labels: Labels | None = Field(default=None, max_length=50)
    rule_sets: list[str] | None = Field(default=None, max_length=200)
    rule_set_labels: Labels | None = Field(default=None, max_length=50)
    alertmanager_config: str | None = Field(default=None, max_length=100)
    url: str | None = Field(default=None, max_length=500, pattern=r"^(https?://.+)?$")


class TargetCreate(BaseModel):
    name: str = Field(pattern=NAME)
    kind: TargetKindField
    labels: Labels = Field(default_factory=dict, max_length=50)
    rule_sets: list[str] = Field(default_factory=list, max_length=200)
    rule_set_labels: Labels = Field(default_factory=dict, max_length=50)
    alertmanager_config: str = Field(default="", max_length=100)
    url: str = Field(default="", max_length=500, pattern=r"^(https?://.+)?$")


class RolloutStatePublic(BaseModel):
    """The target's latest rollout and where it is."""

    version: int
    digest: str
    workflow_id: str
    state: Literal["pending", "running", "applied", "failed", "superseded"] = Field(
        description="pending: not started yet (error: why); running: started, not reported "
        "live; applied: live; failed: the sidecar reported an error after it started "
        "(error: the sidecar's); superseded: a newer desired version has no rollout of its own"
    )
    error: str
    created_at: datetime
    started_at: datetime | None


class TargetPublic(BaseModel):
    name: str
    kind: str
    labels: Labels
    rule_sets: list[str]
    rule_set_labels: Labels
    alertmanager_config: str
    url: str
    created_at: datetime
    desired_version: int
    desired_digest: str
    desired_at: datetime | None
    live_version: int
    live_digest: str
    disk_digest: str
    applied_at: datetime | None
    reported_at: datetime | None = Field(description="the sidecar's last report")
    error: str = Field(description="the last apply's error")
    drift: bool = Field(description="files on disk changed by hand")
    in_sync: bool
    stale: bool
    stale_reason: str
    files: list[str] = Field(description="the files it should run")
    rollout: RolloutStatePublic | None = Field(description="its latest rollout; None: none yet")


class FileDiffPublic(BaseModel):
    name: str
    change: Literal["added", "removed", "changed", "same"] = Field(
        description="what going from the live version to the desired one does to the file"
    )
    diff: str = Field(description="unified diff live → desired, secrets as <secret>; '' if same")


class TargetDiffPublic(BaseModel):
    target: str
    desired_version: int
    live_version: int = Field(description="the version the sidecar last reported applied")
    live_known: bool = Field(description="False: the live files cannot be shown (live_note)")
    live_note: str
    in_sync: bool
    drift: bool = Field(
        description="the files on disk differ from the live version (edited by hand); only "
        "their digest is reported, not their contents"
    )
    disk_digest: str
    live_digest: str
    files: list[FileDiffPublic]


class StatusReport(BaseModel):
    """The sidecar's report (sluice.contracts.config_sync.TargetStatus)."""

    version: int = Field(ge=0, le=2**31 - 1)
    digest: str = Field(max_length=64)
    disk_digest: str = Field(max_length=64)
    drift: bool
    applied_at: str | None = Field(default=None, max_length=64)
    error: str = Field(default="", max_length=20000)


class StatusAck(BaseModel):
    desired_version: int
    desired_digest: str
    rollouts: list[RolloutStartPublic] = Field(description="pending rollouts started again")


class RolloutPublic(BaseModel):
    target: str
    version: int
    digest: str
    workflow_id: str
    created_at: datetime
    started_at: datetime | None
    failed_at: datetime | None = None  # the workflow failed with no sidecar report (see `error`)
    error: str


class TargetImport(BaseModel):
    name: str | None = Field(
        default=None,
        pattern=NAME,
        description="the document to add a draft to; default: the target's name",
    )
    comment: str = Field(default="", max_length=500)


class ImportResult(BaseModel):
    document: str
    version: VersionText
