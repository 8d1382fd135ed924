"""Notification channels: validated config, secrets sealed at rest, and the sends recorded."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sluice.channels import check_channel
from sluice.secretbox import SecretBox
from store.models import (
    Channel,
    ChannelCreate,
    ChannelPublic,
    ChannelUpdate,
    Notification,
    NotificationPublic,
    NotificationStatus,
)


class ChannelConflict(Exception):
    """Another channel has this name."""


def channel_public(channel: Channel, box: SecretBox) -> ChannelPublic:
    """The channel without its secrets; `secrets_set` names the ones it has."""
    names: list[str] = []
    if channel.secret_encrypted:
        try:
            names = sorted(box.open(channel.secret_encrypted))
        except Exception:  # a key problem must not hide the channel from listings
            names = ["<unreadable>"]
    return ChannelPublic.model_validate(channel, update={"secrets_set": names})


def list_channels(session: Session) -> list[Channel]:
    return list(session.exec(select(Channel).order_by(col(Channel.name))))


def get_channel(session: Session, *, channel_id: int) -> Channel | None:
    return session.get(Channel, channel_id)


def create_channel(session: Session, *, body: ChannelCreate, box: SecretBox) -> Channel:
    """Validate and save; ValueError for bad config, SecretKeyMissing without a key."""
    check_channel(body.type, dict(body.config), dict(body.secrets))
    channel = Channel(
        name=body.name,
        type=body.type,
        config=dict(body.config),
        enabled=body.enabled,
        secret_encrypted=box.seal(dict(body.secrets)) if body.secrets else None,
    )
    return _save(session, channel)


def update_channel(
    session: Session, *, channel_id: int, body: ChannelUpdate, box: SecretBox
) -> Channel | None:
    channel = session.get(Channel, channel_id)
    if channel is None:
        return None
    config = dict(body.config) if body.config is not None else dict(channel.config)
    secrets = dict(body.secrets) if body.secrets is not None else box.open(channel.secret_encrypted)
    check_channel(channel.type, config, secrets)
    channel.config = config
    if body.name is not None:
        channel.name = body.name
    if body.enabled is not None:
        channel.enabled = body.enabled
    if body.secrets is not None:
        channel.secret_encrypted = box.seal(secrets) if secrets else None
    return _save(session, channel)


def delete_channel(session: Session, *, channel_id: int) -> bool:
    """Delete a channel, freeing its name; its notification records stay, under its name.

    The records lose their `channel_id` (the foreign key also sets it NULL should one be
    written meanwhile) and keep the channel's name in `channel_name`.
    """
    channel = session.get(Channel, channel_id)
    if channel is None:
        return False
    session.execute(
        update(Notification)
        .where(col(Notification.channel_id) == channel_id)
        .values(channel_id=None, channel_name=channel.name)
    )
    session.delete(channel)
    session.commit()
    return True


def list_notifications(
    session: Session,
    *,
    channel_id: int | None = None,
    task_id: str | None = None,
    status: NotificationStatus | None = None,
    limit: int = 100,
) -> list[NotificationPublic]:
    """Sends, newest first, with the channel's name (kept on the record once it is deleted)."""
    name = func.coalesce(Channel.name, Notification.channel_name)
    query = select(Notification, name).outerjoin(
        Channel, col(Channel.id) == col(Notification.channel_id)
    )
    if channel_id is not None:
        query = query.where(Notification.channel_id == channel_id)
    if task_id is not None:
        query = query.where(Notification.task_id == task_id)
    if status is not None:
        query = query.where(Notification.status == status)
    query = query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    return [
        NotificationPublic.model_validate(row, update={"channel": name})
        for row, name in session.exec(query.limit(limit))
    ]


def _save(session: Session, channel: Channel) -> Channel:
    session.add(channel)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ChannelConflict(f'a channel named "{channel.name}" already exists') from None
    session.refresh(channel)
    return channel
