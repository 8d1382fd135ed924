"""Agents: the hosts running `sluice agent`, as they registered and last reported."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.common import (
    INT_MAX,
    created_at_field,
    json_field,
    optional_time_field,
    status_field,
)
from store.models.status import AgentStatus


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
    config_version: int = 0  # the version the control plane holds (PUT bumps it)
    registered_at: datetime = created_at_field()
    config: dict[str, Any] = json_field()
    applied_config_version: int = 0  # the version the agent last reported running
    spool_depth: int = 0
    in_flight: int = 0
    last_error: str = ""
    events: list[dict[str, str]] = json_field(list)


class AgentPublic(AgentBase):
    id: str
    status: AgentStatus
    last_heartbeat_at: datetime | None
    config_version: int
    applied_config_version: int
    registered_at: datetime
    spool_depth: int
    in_flight: int
    last_error: str
    events: list[dict[str, str]]


class AgentRegister(BaseModel):
    """What an agent says about itself when it starts."""

    model_config = ConfigDict(extra="forbid")

    id: str = PydanticField(max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    hostname: str
    ip: str = ""
    version: str = ""
    labels: dict[str, str] = PydanticField(default_factory=dict)
    roots: list[str] = PydanticField(default_factory=list)
    applied_config_version: int = PydanticField(default=0, ge=0, le=INT_MAX)


class AgentHeartbeat(BaseModel):
    """Status an agent reports every heartbeat interval."""

    model_config = ConfigDict(extra="forbid")

    id: str
    spool_depth: int = PydanticField(default=0, ge=0, le=INT_MAX)
    in_flight: int = PydanticField(default=0, ge=0, le=INT_MAX)
    last_error: str = ""
    config_version: int = PydanticField(default=0, ge=0, le=INT_MAX)
    events: list[dict[str, str]] = PydanticField(default_factory=list, max_length=100)


class HeartbeatReply(BaseModel):
    """The config version the agent should be running; it pulls the config if it differs."""

    config_version: int


class AgentConfigPublic(BaseModel):
    agent_id: str
    version: int
    config: dict[str, Any]


class AgentConfigVersion(SQLModel, table=True):
    """Every config pushed to an agent, kept so its history can be read and compared."""

    __tablename__ = "agent_config_versions"
    __table_args__: Any = (
        UniqueConstraint("agent_id", "version", name="uq_agent_config_versions_agent_id_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agents.id", ondelete="CASCADE")
    version: int
    config: dict[str, Any] = json_field()
    created_by: str = ""  # the pushing token's name ("" for versions from before history)
    created_at: datetime = created_at_field()


class AgentConfigVersionPublic(BaseModel):
    agent_id: str
    version: int
    config: dict[str, Any]
    created_by: str
    created_at: datetime


class AgentConfigUpdate(BaseModel):
    """Agent settings to push: only keys in `AgentSettings.LIVE_KEYS` (roots, filters, ...)."""

    model_config = ConfigDict(extra="forbid")

    config: dict[str, Any]
