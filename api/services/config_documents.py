"""Rule sets and Alertmanager configs: versions saved checked, published as a whole, rolled
back by publishing an older one again. An Alertmanager config's receiver secrets are sealed
apart from its (masked) text; a version that sends the mask back keeps the stored value."""

from __future__ import annotations

import difflib
from dataclasses import asdict
from datetime import timedelta
from typing import Literal

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sluice.config_sync import secrets as masks
from sluice.config_sync.checks import DocumentKind, problems_of
from sluice.config_sync.documents import ConfigInvalid, Problem, check_size, parse
from sluice.secretbox import SecretBox
from store.models import ConfigDocument, ConfigVersion, utcnow


class DocumentConflict(Exception):
    """A name taken, publishing what is live already, or a rollback with nothing before."""


class UnknownVersion(LookupError):
    pass


Draft = Literal["refuse", "keep"]  # what to do with a version that has problems


def list_documents(session: Session, *, kind: DocumentKind) -> list[ConfigDocument]:
    query = select(ConfigDocument).where(ConfigDocument.kind == kind)
    return list(session.exec(query.order_by(col(ConfigDocument.name))))


def get_document(session: Session, *, kind: DocumentKind, name: str) -> ConfigDocument | None:
    query = select(ConfigDocument).where(ConfigDocument.kind == kind, ConfigDocument.name == name)
    return session.exec(query).first()


def create_document(
    session: Session, *, kind: DocumentKind, name: str, labels: dict[str, str]
) -> ConfigDocument:
    """A new, empty document (its first version is saved next, in the same transaction)."""
    if get_document(session, kind=kind, name=name) is not None:
        raise DocumentConflict(f"{name!r} exists already")
    document = ConfigDocument(kind=kind, name=name, labels=labels)
    session.add(document)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise DocumentConflict(f"{name!r} exists already") from None
    return document


def save_version(
    session: Session,
    document: ConfigDocument,
    *,
    text: str,
    comment: str,
    actor: str,
    box: SecretBox,
    timeout: float,
    draft: Draft = "refuse",
) -> ConfigVersion:
    """Check `text` and save it as the document's next version (not live until published).
    ConfigInvalid unless it passes, or `draft="keep"` (an import) keeps its problems."""
    check_size(text)
    parse(text)  # not YAML: refused, even as a draft
    found: dict[str, str] = {}
    if document.kind == "alertmanager":
        previous = _previous_secrets(session, document, box)
        try:
            text, found = masks.mask(text, previous, strict=draft == "refuse")
        except masks.MissingSecret as exc:
            raise ConfigInvalid([Problem("", 0, str(exc))]) from None
    problems = problems_of(kind_of(document), text, secret_values=found, timeout=timeout)
    if problems and draft == "refuse":
        raise ConfigInvalid(problems)
    number = session.exec(
        select(func.max(ConfigVersion.version)).where(ConfigVersion.document_id == document.id)
    ).one()
    row = ConfigVersion(
        document_id=document.id or 0,
        version=(number or 0) + 1,
        text=text,
        secrets_encrypted=box.seal(found) if found else None,
        problems=[asdict(p) for p in problems],
        comment=comment,
        created_by=actor,
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def delete_document(session: Session, document: ConfigDocument) -> None:
    """Delete the document and its versions; the caller re-renders its targets and commits."""
    session.execute(delete(ConfigVersion).where(col(ConfigVersion.document_id) == document.id))
    session.delete(document)
    session.flush()


def dry_run(
    session: Session,
    *,
    kind: DocumentKind,
    document: ConfigDocument | None,
    text: str,
    box: SecretBox,
    timeout: float,
) -> list[Problem]:
    """What saving `text` as a version of `document` (if any) and publishing it would find."""
    try:
        check_size(text)
        parse(text)
    except ConfigInvalid as exc:
        return exc.problems
    found: dict[str, str] = {}
    if kind == "alertmanager":
        previous = _previous_secrets(session, document, box) if document else {}
        text, found = masks.mask(text, previous, strict=False)
    return problems_of(kind, text, secret_values=found, timeout=timeout)


def versions(session: Session, document: ConfigDocument) -> list[ConfigVersion]:
    """The document's versions, newest first."""
    query = select(ConfigVersion).where(ConfigVersion.document_id == document.id)
    return list(session.exec(query.order_by(col(ConfigVersion.version).desc())))


def get_version(session: Session, document: ConfigDocument, version: int) -> ConfigVersion | None:
    query = select(ConfigVersion).where(
        ConfigVersion.document_id == document.id, ConfigVersion.version == version
    )
    return session.exec(query).first()


def live(session: Session, document: ConfigDocument) -> ConfigVersion | None:
    published = _published(session, document)
    return published[0] if published else None


def publish(
    session: Session,
    document: ConfigDocument,
    *,
    version: int,
    actor: str,
    box: SecretBox,
    timeout: float,
    extra: list[Problem] | None = None,
) -> ConfigVersion:
    """Make `version` live, checked again first; `extra` problems (the group names clashing
    at a target) refuse it too. The caller commits."""
    row = get_version(session, document, version)
    if row is None:
        raise UnknownVersion(f"{document.name!r} has no version {version}")
    current = _published(session, document)
    if current and current[0].version == version:
        raise DocumentConflict(f"version {version} is live already")
    problems = problems_of(
        kind_of(document), row.text, secret_values=secrets_of(row, box), timeout=timeout
    )
    if problems or extra:
        raise ConfigInvalid(problems + (extra or []))
    now = utcnow()
    if current and current[0].published_at and now <= current[0].published_at:
        now = current[0].published_at + timedelta(microseconds=1)  # publish order is live order
    row.published_at, row.published_by = now, actor
    session.add(row)
    return row


def rollback_version(session: Session, document: ConfigDocument) -> int:
    """The version that was live before the current one."""
    published = _published(session, document)
    if len(published) < 2:
        raise DocumentConflict("no version was live before the current one")
    return published[1].version


def kind_of(document: ConfigDocument) -> DocumentKind:
    return "alertmanager" if document.kind == "alertmanager" else "rules"


def secrets_of(row: ConfigVersion, box: SecretBox) -> dict[str, str]:
    return box.open(row.secrets_encrypted)


def rendered(row: ConfigVersion, box: SecretBox) -> str:
    """The version's text as a target gets it: secrets in place."""
    if not row.secrets_encrypted:
        return row.text
    return masks.unmask(row.text, secrets_of(row, box))


def diff(old: ConfigVersion | None, new: ConfigVersion) -> str:
    """Unified diff of the (masked) texts."""
    before = old.text.splitlines(keepends=True) if old else []
    after = new.text.splitlines(keepends=True)
    name = f"v{old.version}" if old else "(none)"
    return "".join(difflib.unified_diff(before, after, name, f"v{new.version}"))


def _previous_secrets(session: Session, document: ConfigDocument, box: SecretBox) -> dict[str, str]:
    """The newest version's secrets: what a mask sent back keeps."""
    if document.id is None:
        return {}
    query = (
        select(ConfigVersion)
        .where(ConfigVersion.document_id == document.id)
        .order_by(col(ConfigVersion.version).desc())
    )
    newest = session.exec(query).first()
    return secrets_of(newest, box) if newest else {}


def _published(session: Session, document: ConfigDocument) -> list[ConfigVersion]:
    """Published versions, the live one first, then the one live before it."""
    query = (
        select(ConfigVersion)
        .where(
            ConfigVersion.document_id == document.id, col(ConfigVersion.published_at).is_not(None)
        )
        .order_by(col(ConfigVersion.published_at).desc(), col(ConfigVersion.version).desc())
        .limit(2)
    )
    return list(session.exec(query))
