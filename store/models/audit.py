"""Who changed what (audit log) and the hashed bearer tokens that let them."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from store.models.common import created_at_field, json_field, optional_time_field, status_field
from store.models.status import Role


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_logs"

    id: int | None = Field(default=None, primary_key=True)
    actor: str  # the token's name, or `cli:<user>` for the token CLI
    # Which token acted and with what role: names need not tell tokens apart over time.
    actor_token_id: int | None = Field(default=None, index=True)
    actor_role: str = status_field("")
    action: str
    resource_type: str = Field(index=True)
    resource_id: str
    diff: dict[str, Any] = json_field()
    request_id: str = ""
    at: datetime = created_at_field(index=True)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    role: Role = status_field(Role.viewer)
    token_hash: str = Field(unique=True)
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = optional_time_field()
    revoked_at: datetime | None = optional_time_field()


class ApiTokenCreate(SQLModel):
    """A token to issue; an agent token must be named after its agent id."""

    name: str = Field(min_length=1, max_length=200)
    role: Role


class ApiTokenPublic(SQLModel):
    """A token as listed: never its secret nor its hash."""

    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="The bearer token; shown only in this response.")
