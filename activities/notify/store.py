"""Channels as senders need them (secrets decrypted) and the record of every send."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError

from sluice.channels import ChannelConfig, check_channel
from sluice.secretbox import SecretBox, SecretKeyMissing, SecretUnreadable
from store.models import Channel, Notification, NotificationStatus


@dataclass
class LoadedChannel:
    id: int
    name: str
    type: str
    config: ChannelConfig
    secrets: dict[str, str]


class ChannelStore:
    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    def load(self, name: str, type_: str | None = None) -> LoadedChannel:
        """The enabled channel `name`; invalid_input (not retried) if missing or unusable."""
        with Session(self._engine) as session:
            row = session.exec(select(Channel).where(Channel.name == name)).first()
        if row is None or row.id is None:
            raise _bad(f"channel {name!r} does not exist")
        if not row.enabled:
            raise _bad(f"channel {name!r} is disabled")
        if type_ is not None and row.type != type_:
            raise _bad(f"channel {name!r} is a {row.type} channel, not {type_}")
        return self.loaded(row)

    def load_id(self, channel_id: int) -> LoadedChannel:
        """Channel `channel_id`, enabled or not (a test message may try a disabled one)."""
        with Session(self._engine) as session:
            row = session.get(Channel, channel_id)
        if row is None:
            raise _bad(f"channel {channel_id} does not exist")
        return self.loaded(row)

    def loaded(self, row: Channel) -> LoadedChannel:
        assert row.id is not None
        try:
            secrets = self._box.open(row.secret_encrypted)
        except (SecretKeyMissing, SecretUnreadable) as exc:
            raise ApplicationError(str(exc), type="auth", non_retryable=True) from exc
        try:
            config = check_channel(row.type, dict(row.config), secrets)
        except ValueError as exc:
            raise _bad(f"channel {row.name!r}: {exc}") from exc
        return LoadedChannel(row.id, row.name, row.type, config, secrets)

    def already_sent(self, channel_id: int, task_id: str, step: str) -> bool:
        """Whether an earlier attempt of this step already reached this channel."""
        with Session(self._engine) as session:
            query = select(Notification.id).where(
                Notification.channel_id == channel_id,
                Notification.task_id == task_id,
                Notification.step == step,
                Notification.status == NotificationStatus.sent,
            )
            return session.exec(query).first() is not None

    def record(self, notification: Notification) -> None:
        with Session(self._engine) as session:
            session.add(notification)
            session.commit()


def _bad(message: str) -> ApplicationError:
    return ApplicationError(message, type="invalid_input", non_retryable=True)


def require_secret_key(engine: Engine, box: SecretBox) -> None:
    """Refuse to start without a key when channels hold encrypted secrets."""
    if box.ready:
        return
    with Session(engine) as session:
        query = select(Channel.name).where(Channel.secret_encrypted.is_not(None))  # type: ignore[union-attr]
        names = list(session.exec(query))
    if names:
        raise SecretKeyMissing(
            f"channels {', '.join(names)} hold encrypted secrets: set notifications.secret_key "
            "(env SLUICE_NOTIFICATIONS__SECRET_KEY) to the key they were saved with"
        )
