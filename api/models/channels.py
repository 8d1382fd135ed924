"""Notification channels and the notifications sent through them."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from api.models.common import created_at_field, json_field, status_field
from api.models.status import NotificationStatus


class Channel(SQLModel, table=True):
    __tablename__ = "channels"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    type: str
    config: dict[str, Any] = json_field()
    secret_encrypted: str | None = None
    enabled: bool = True
    created_at: datetime = created_at_field()


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id", index=True)
    task_id: str | None = Field(default=None, foreign_key="tasks.id", index=True)
    event_type: str
    status: NotificationStatus = status_field(NotificationStatus.pending)
    error: str = ""
    created_at: datetime = created_at_field(index=True)
