"""Every sealed secret in the metadata DB: counted by key, and sealed again under the current one.

Channels seal their secrets (`channels.secret_encrypted`), Alertmanager config versions their
receivers' (`config_versions.secrets_encrypted`). Rotation re-seals all of them in one
transaction, so a secret that no configured key opens stops it before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from sluice.secretbox import SecretBox, SecretUnreadable
from store.models import Channel, ConfigDocument, ConfigVersion

CHANNELS, CONFIG_VERSIONS = "channel secrets", "Alertmanager config versions"
Sealed = tuple[str, str, Channel | ConfigVersion]  # what, name, row


@dataclass
class SealedCount:
    """Sealed secrets of one kind: how many open with the current key, with a previous one."""

    what: str
    current: int = 0
    previous: int = 0


class Unreadable(Exception):
    """Secrets that open with no configured key, named so they can be entered again."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"{', '.join(names)}: sealed with a key that is neither "
            "notifications.secret_key nor one of notifications.previous_secret_keys"
        )
        self.names = names


def _sealed(session: Session) -> list[Sealed]:
    """(kind, name, row) of every row holding a sealed secret, channels first."""
    channels = session.exec(
        select(Channel).where(col(Channel.secret_encrypted).is_not(None)).order_by(col(Channel.id))
    )
    found: list[Sealed] = [(CHANNELS, f"channel {row.name}", row) for row in channels]
    versions = session.exec(
        select(ConfigVersion, ConfigDocument.name)
        .join(ConfigDocument, col(ConfigDocument.id) == col(ConfigVersion.document_id))
        .where(col(ConfigVersion.secrets_encrypted).is_not(None))
        .order_by(col(ConfigVersion.id))
    )
    found += [
        (CONFIG_VERSIONS, f"Alertmanager config {name} v{row.version}", row)
        for row, name in versions
    ]
    return found


def _token(row: Channel | ConfigVersion) -> str:
    token = row.secret_encrypted if isinstance(row, Channel) else row.secrets_encrypted
    assert token is not None
    return token


def count_sealed(engine: Engine, box: SecretBox) -> list[SealedCount]:
    """What `reseal_all` would do; Unreadable when some secret opens with no key."""
    with Session(engine) as session:
        return _tally(_sealed(session), box)


def reseal_all(engine: Engine, box: SecretBox) -> list[SealedCount]:
    """Seal every stored secret again under the current key, in one transaction."""
    with Session(engine) as session:
        rows = _sealed(session)
        counts = _tally(rows, box)  # raises before anything is written
        for _, _, row in rows:
            if isinstance(row, Channel):
                row.secret_encrypted = box.reseal(_token(row))
            else:
                row.secrets_encrypted = box.reseal(_token(row))
            session.add(row)
        session.commit()
    return counts


def _tally(rows: list[Sealed], box: SecretBox) -> list[SealedCount]:
    counts = {what: SealedCount(what) for what in (CHANNELS, CONFIG_VERSIONS)}
    unreadable = []
    for what, name, row in rows:
        try:
            current = box.opens_with_current_key(_token(row))
        except SecretUnreadable:
            unreadable.append(name)
            continue
        if current:
            counts[what].current += 1
        else:
            counts[what].previous += 1
    if unreadable:
        raise Unreadable(unreadable)
    return list(counts.values())
