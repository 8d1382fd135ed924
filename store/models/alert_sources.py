"""Named JSON webhook senders and the mapping that reads their alerts (sluice/alert_mapping.py)."""

from datetime import datetime
from typing import Any

from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from sluice.alert_mapping import SOURCE_NAME, AlertMapping
from sluice.alerts import Text
from store.models.common import created_at_field, json_field


class AlertSourceBase(SQLModel):
    name: str = Field(unique=True, max_length=24)
    description: str = Field(default="", max_length=1000)
    enabled: bool = True


class AlertSource(AlertSourceBase, table=True):
    __tablename__ = "alert_sources"

    id: int | None = Field(default=None, primary_key=True)
    mapping: dict[str, Any] = json_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class AlertSourceCreate(AlertSourceBase):
    name: str = PydanticField(max_length=24, pattern=SOURCE_NAME)
    description: Text = PydanticField(default="", max_length=1000)
    mapping: AlertMapping


class AlertSourceUpdate(SQLModel):
    """Only the keys given change; `mapping`, when given, replaces the whole mapping."""

    description: Text | None = PydanticField(default=None, max_length=1000)
    enabled: bool | None = None
    mapping: AlertMapping | None = None


class AlertSourcePublic(AlertSourceBase):
    id: int
    mapping: dict[str, Any]
    created_at: datetime
    updated_at: datetime
