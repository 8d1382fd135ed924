"""Rule sets and Alertmanager configs as numbered versions, the targets they go to, what each
target's sidecar reports, and the rollouts started for them.

A document's live version is the one published last (a rollback publishes an older one
again), as for the alert routing document. An Alertmanager config's text is stored with its
receiver secrets masked; the secrets are sealed apart (sluice/secretbox.py).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.common import created_at_field, json_field, optional_time_field


class ConfigDocument(SQLModel, table=True):
    __tablename__ = "config_documents"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # rules | alertmanager
    name: str = Field(max_length=100)
    labels: dict[str, str] = json_field()
    created_at: datetime = created_at_field()


class ConfigVersion(SQLModel, table=True):
    __tablename__ = "config_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="config_documents.id", ondelete="CASCADE", index=True)
    version: int
    text: str  # as written; an Alertmanager config's secrets masked
    secrets_encrypted: str | None = None  # {path: value}, sealed
    problems: list[dict[str, Any]] = json_field(list)  # an import's draft may have some
    comment: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()
    published_at: datetime | None = optional_time_field()
    published_by: str = Field(default="", max_length=200)


class ConfigTarget(SQLModel, table=True):
    __tablename__ = "config_targets"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=16)  # prometheus | vmalert | alertmanager
    labels: dict[str, str] = json_field()
    # Rule targets: rule sets by name, or by labels (all of them must match).
    rule_sets: list[str] = json_field(list)
    rule_set_labels: dict[str, str] = json_field()
    alertmanager_config: str = Field(default="", max_length=100)
    url: str = Field(default="", max_length=500)  # where import reads the running config
    created_at: datetime = created_at_field()
    # What it should run: bumped each time the rendered files change.
    desired_version: int = 0
    desired_digest: str = Field(default="", max_length=64)
    desired_at: datetime | None = optional_time_field()
    # What its sidecar last reported.
    reported_at: datetime | None = optional_time_field()
    live_version: int = 0
    live_digest: str = Field(default="", max_length=64)
    disk_digest: str = Field(default="", max_length=64)
    drift: bool = False
    applied_at: datetime | None = optional_time_field()
    error: str = Field(default="", max_length=2000)
    alerting: list[str] = json_field(list)  # the Sluice alerts firing for it now


class ConfigRollout(SQLModel, table=True):
    __tablename__ = "config_rollouts"

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=100, index=True)
    version: int
    digest: str = Field(max_length=64)
    workflow_id: str = Field(max_length=200)
    created_at: datetime = created_at_field()
    started_at: datetime | None = optional_time_field()  # None: Temporal not reached yet
    # Set by the workflow when it fails without its sidecar's word (no sidecar took the step).
    failed_at: datetime | None = optional_time_field()
    error: str = Field(default="", max_length=500)  # why not started, or why it failed


class ConfigTargetVersion(SQLModel, table=True):
    """Which document versions made a target's numbered version (references, no text, no
    secrets): the console's diff renders the live version again from them. Versions older
    than the live one are dropped when the sidecar reports."""

    __tablename__ = "config_target_versions"
    __table_args__ = (UniqueConstraint("target", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=100, index=True)
    version: int
    digest: str = Field(max_length=64)
    # [{"file": name, "document_id": id, "version": n}]
    sources: list[dict[str, Any]] = json_field(list)
    created_at: datetime = created_at_field()
