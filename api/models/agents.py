"""Agents: the hosts running `sluice agent`, as they registered and last reported."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.common import created_at_field, json_field, optional_time_field, status_field
from api.models.status import AgentStatus


class AgentBase(SQLModel):
    hostname: str
    ip: str = ""
    version: str = ""
    labels: dict[str, str] = json_field()
    roots: list[str] = json_field(list)


class Agent(AgentBase, table=True):
    __tablename__ = "agents"

    id: str = Field(primary_key=True)
    status: AgentStatus = status_field(AgentStatus.online, index=True)
    last_heartbeat_at: datetime | None = optional_time_field()
    config_version: int = 0
    registered_at: datetime = created_at_field()


class AgentPublic(AgentBase):
    id: str
    status: AgentStatus
    last_heartbeat_at: datetime | None
    config_version: int
    registered_at: datetime
