"""Notification channels and the notifications sent through them."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from store.models.common import created_at_field, json_field, status_field
from store.models.status import NotificationStatus


class ChannelBase(SQLModel):
    name: str = Field(unique=True)
    type: str
    config: dict[str, Any] = json_field()
    enabled: bool = True


class Channel(ChannelBase, table=True):
    __tablename__ = "channels"

    id: int | None = Field(default=None, primary_key=True)
    secret_encrypted: str | None = None  # Fernet token of the secrets dict (sluice/secretbox.py)
    created_at: datetime = created_at_field()


class ChannelCreate(ChannelBase):
    secrets: dict[str, str] = {}


class ChannelUpdate(SQLModel):
    """Only the keys given change; `secrets` replaces all secrets when given."""

    name: str | None = None
    config: dict[str, Any] | None = None
    enabled: bool | None = None
    secrets: dict[str, str] | None = None


class ChannelPublic(ChannelBase):
    """A channel as shown: secrets are never returned, only which ones are set."""

    id: int
    created_at: datetime
    secrets_set: list[str] = []


class NotificationBase(SQLModel):
    # None once the channel is deleted; the record stays, under `channel_name`.
    channel_id: int | None = Field(
        default=None, foreign_key="channels.id", ondelete="SET NULL", index=True
    )
    task_id: str | None = Field(default=None, foreign_key="tasks.id", index=True)
    event_type: str
    step: str = ""  # the notify step (or "on_failure", "test", "digest") that sent it
    title: str = ""
    count: int = 1  # events in this message: more than 1 for an aggregated failure digest
    status: NotificationStatus = status_field(NotificationStatus.pending)
    error: str = ""
    created_at: datetime = created_at_field(index=True)


class Notification(NotificationBase, table=True):
    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    channel_name: str = ""  # set when the channel is deleted, so its history keeps the name


class NotificationPublic(NotificationBase):
    id: int
    channel: str = ""
