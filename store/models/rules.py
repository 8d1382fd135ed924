"""Routing rules and their immutable, numbered versions; only a published version is live."""

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.common import created_at_field, json_field


class RoutingRuleBase(SQLModel):
    name: str = Field(unique=True)
    description: str = ""


class RoutingRule(RoutingRuleBase, table=True):
    __tablename__ = "routing_rules"

    id: int | None = Field(default=None, primary_key=True)
    live_version: int | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class RuleVersion(SQLModel, table=True):
    __tablename__ = "rule_versions"
    __table_args__: Any = (
        UniqueConstraint("rule_id", "version", name="uq_rule_versions_rule_id_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="routing_rules.id", ondelete="CASCADE")
    version: int
    spec: dict[str, Any] = json_field()
    created_by: str = ""
    created_at: datetime = created_at_field()
