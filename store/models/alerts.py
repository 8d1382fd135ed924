"""Alerts keyed by fingerprint, and their timeline: one event per change of an alert.

An alert row is the newest state its senders reported; `received` counts every report and
`deduplicated` the reports that changed nothing (redeliveries, Prometheus's periodic resends).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from store.models.alert_groups import AlertGroupRef
from store.models.common import created_at_field, json_field, optional_time_field, status_field


class AlertStatus:
    firing = "firing"
    resolved = "resolved"


class AlertBase(SQLModel):
    fingerprint: str = Field(primary_key=True, max_length=16)
    status: str = status_field(AlertStatus.firing, index=True)
    severity: str = Field(default="", max_length=256, index=True)
    labels: dict[str, Any] = json_field()
    annotations: dict[str, Any] = json_field()
    starts_at: datetime = created_at_field()
    ends_at: datetime | None = optional_time_field()
    first_seen_at: datetime = created_at_field()
    last_seen_at: datetime = created_at_field()
    received: int = 0
    deduplicated: int = 0
    source: str = Field(default="", max_length=32, index=True)
    generator_url: str = ""


class Alert(AlertBase, table=True):
    __tablename__ = "alerts"
    # The list pages newest first on (last_seen_at, fingerprint).
    __table_args__ = (Index("ix_alerts_last_seen", "last_seen_at", "fingerprint"),)


class AlertEvent(SQLModel, table=True):
    """A change of an alert: `firing` (new or fired again), `resolved`, or `updated` (same
    status, other annotations or times), with who sent it and in which delivery."""

    __tablename__ = "alert_events"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(foreign_key="alerts.fingerprint", index=True, max_length=16)
    kind: str = status_field(AlertStatus.firing)
    status: str = status_field(AlertStatus.firing)
    at: datetime = created_at_field()
    source: str = Field(default="", max_length=32)
    delivery_id: str = Field(default="", max_length=64)
    detail: dict[str, Any] = json_field()


class AlertEventPublic(SQLModel):
    kind: str
    status: str
    at: datetime
    source: str
    delivery_id: str
    detail: dict[str, Any]


class AlertPublic(AlertBase):
    pass


class AlertDetail(AlertBase):
    events: list[AlertEventPublic] = []
    groups: list[AlertGroupRef] = []  # the groups it is a member of, most recently changed first


class AlertPage(SQLModel):
    items: list[AlertPublic]
    next_cursor: str | None = None
