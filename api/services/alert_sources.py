"""Alert sources: the named mappings that read a JSON webhook's alerts, and their CRUD."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sluice.alert_mapping import AlertMapping
from store.models import AlertSource, AlertSourceCreate, AlertSourceUpdate, utcnow


class AlertSourceConflict(Exception):
    """Another alert source has this name."""


def list_sources(session: Session) -> list[AlertSource]:
    return list(session.exec(select(AlertSource).order_by(col(AlertSource.name))))


def get_source(session: Session, *, name: str) -> AlertSource | None:
    return session.exec(select(AlertSource).where(AlertSource.name == name)).first()


def create_source(session: Session, *, body: AlertSourceCreate) -> AlertSource:
    """Save a new source; ValueError if its mapping can give no label, conflict on its name."""
    body.mapping.check_labels_possible()
    source = AlertSource(
        name=body.name,
        description=body.description,
        enabled=body.enabled,
        mapping=body.mapping.model_dump(exclude_defaults=True),
    )
    return _save(session, source)


def update_source(session: Session, *, name: str, body: AlertSourceUpdate) -> AlertSource | None:
    source = get_source(session, name=name)
    if source is None:
        return None
    if body.mapping is not None:
        body.mapping.check_labels_possible()
        source.mapping = body.mapping.model_dump(exclude_defaults=True)
    if body.description is not None:
        source.description = body.description
    if body.enabled is not None:
        source.enabled = body.enabled
    source.updated_at = utcnow()
    return _save(session, source)


def delete_source(session: Session, *, name: str) -> bool:
    source = get_source(session, name=name)
    if source is None:
        return False
    session.delete(source)
    session.commit()
    return True


def mapping_of(session: Session, *, name: str) -> AlertMapping | None:
    """The enabled source's mapping, or None if there is no such enabled source."""
    source = get_source(session, name=name)
    if source is None or not source.enabled:
        return None
    return AlertMapping.model_validate(source.mapping)


def _save(session: Session, source: AlertSource) -> AlertSource:
    session.add(source)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AlertSourceConflict(f"an alert source named {source.name!r} exists") from None
    session.refresh(source)
    return source
