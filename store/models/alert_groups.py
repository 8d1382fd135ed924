"""Alert groups: the dispatch outbox, each group's members, and the groups' read model.

An outbox row is written with the alert change that caused it (same transaction) and deleted
once its group workflow has been signalled, so a Temporal outage delays notifications but
loses none. Members record what each alert of a group was last notified as; the group row is
what the console lists (written by the group workflow's activities).
"""

from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from store.models.alert_analysis import AlertAnalysisPublic
from store.models.common import created_at_field, json_field, optional_time_field, status_field
from store.models.knowledge_usage import KnowledgeMatch


class AlertGroupStatus:
    firing = "firing"
    resolved = "resolved"


class AlertOutbox(SQLModel, table=True):
    __tablename__ = "alert_outbox"

    id: str = Field(primary_key=True, max_length=32)
    group_id: str = Field(max_length=64, index=True)
    route: str = Field(max_length=100)
    group_labels: dict[str, Any] = json_field()
    fingerprints: list[str] = json_field(list)  # the alerts of one delivery that changed
    # The one alert of a row the release before migration 0024 wrote (a row per alert); the
    # first of `fingerprints` since, so that release can still drain rows while replicas roll.
    fingerprint: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    routing_version: int = 0
    created_at: datetime = created_at_field(index=True)


class AlertGroupMember(SQLModel, table=True):
    """`notified`: what people last heard of the alert ("", firing, resolved); `reason`: why
    it was last held back (silenced, inhibited, inactive), "" if it was not."""

    __tablename__ = "alert_group_members"

    group_id: str = Field(primary_key=True, max_length=64)
    fingerprint: str = Field(primary_key=True, max_length=16, index=True)
    notified: str = Field(default="", max_length=16)
    reason: str = Field(default="", max_length=16, index=True)
    silence_id: int | None = None  # the silence that muted it while it fired
    updated_at: datetime = created_at_field()


class AlertGroupBase(SQLModel):
    id: str = Field(primary_key=True, max_length=64)
    route: str = Field(max_length=100, index=True)
    group_labels: dict[str, Any] = json_field()
    status: str = status_field(AlertGroupStatus.firing, index=True)
    firing: int = 0
    resolved: int = 0
    first_notified_at: datetime | None = optional_time_field()
    last_notified_at: datetime | None = optional_time_field()
    acked_by: str = Field(default="", max_length=200)  # the signed-in token's name
    acked_on_behalf_of: str = Field(default="", max_length=200)
    acked_until: datetime | None = optional_time_field()
    assignee: str = Field(default="", max_length=200)
    escalation_step: int = 0
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class AlertGroup(AlertGroupBase, table=True):
    __tablename__ = "alert_groups"
    # The list pages most recently changed first on (updated_at, id), by status or not
    # (api/services/alert_groups.py); the live-changes feed reads (updated_at, id) forwards.
    __table_args__: Any = (
        Index("ix_alert_groups_updated_at_id", "updated_at", "id"),
        Index("ix_alert_groups_status_updated_at_id", "status", "updated_at", "id"),
    )


class AlertGroupPublic(AlertGroupBase):
    pass


class AlertGroupPage(SQLModel):
    """One page of groups; `next_cursor` (None on the last page) asks for the next."""

    items: list[AlertGroupPublic]
    next_cursor: str | None = None


class AlertGroupRef(SQLModel):
    """A group an alert belongs to, as the alert's detail lists it."""

    id: str
    route: str
    status: str
    group_labels: dict[str, Any]
    updated_at: datetime


class AlertGroupAlert(SQLModel):
    """A member alert as the group sees it."""

    fingerprint: str
    status: str
    severity: str
    labels: dict[str, Any]
    annotations: dict[str, Any]
    starts_at: datetime
    ends_at: datetime | None
    notified: str
    held_back: str  # silenced, inhibited, inactive; "" if not


class AlertGroupEvent(SQLModel):
    fingerprint: str
    kind: str
    status: str
    at: datetime
    source: str
    detail: dict[str, Any]


class AlertGroupDetail(AlertGroupBase):
    alerts: list[AlertGroupAlert] = []
    timeline: list[AlertGroupEvent] = []
    knowledge: list[KnowledgeMatch] = []  # attached on the group's first flush
    analysis: AlertAnalysisPublic | None = None  # the newest


ON_BEHALF_OF_MAX = 200


class AlertGroupBy(SQLModel):
    """Who decided is the signed-in token's name, always: a `by` field is refused (422)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    on_behalf_of: str = Field(
        default="",
        max_length=ON_BEHALF_OF_MAX,
        description="Free text recorded beside the token's name (e.g. the person a bot acts "
        "for); never replaces it.",
    )


class AlertGroupAck(AlertGroupBy):
    until: datetime | None = Field(
        default=None, description="The escalation resumes then; none: acked for good."
    )


class AlertGroupAssign(AlertGroupBy):
    to: str = Field(min_length=1, max_length=200)


class AlertGroupState(SQLModel):
    """The group as its workflow sees it after the decision."""

    id: str
    firing: int
    acked_by: str
    acked_on_behalf_of: str = ""
    acked_until: datetime | None
    assignee: str
    escalation_step: int
