"""The alert routing document's versions, and silences.

The routing document (routes, inhibition rules, escalation policies; see
sluice/alerting/routing.py) is kept as written (YAML text) in numbered versions; the live one
is the version published last, so a rollback is publishing an older version again.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from store.models.common import created_at_field, json_field, optional_time_field


class AlertRoutingVersion(SQLModel, table=True):
    __tablename__ = "alert_routing_versions"

    version: int | None = Field(default=None, primary_key=True)
    text: str
    comment: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()
    published_at: datetime | None = optional_time_field()
    published_by: str = Field(default="", max_length=200)


class SilenceBase(SQLModel):
    matchers: list[str] = json_field(list)
    starts_at: datetime = created_at_field()
    ends_at: datetime = created_at_field()
    # {"windows": [...], "timezone": ...}: mute only inside these weekly windows
    recurrence: dict[str, Any] = json_field()
    comment: str = Field(default="", max_length=2000)
    notify_resolved: bool = False  # a resolved notice for alerts silenced while firing
    notify_on_expiry: bool = False  # a notice when the silence ends and its alerts still fire


class Silence(SilenceBase, table=True):
    __tablename__ = "silences"

    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    ends_at: datetime = created_at_field(index=True)
    fingerprint: str = Field(default="", max_length=16)  # the alert it was created from
