"""Knowledge entries: create, edit (each save a version), publish, delete, list, and import
or export them as YAML or Markdown documents. Every write re-indexes the entry in the same
transaction (store.knowledge_index)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sluice.alerting.matchers import parse_matchers
from sluice.knowledge import documents
from sluice.knowledge.signature import normalise_error, signature_key
from store import knowledge_index
from store.models import (
    KnowledgeContent,
    KnowledgeCreate,
    KnowledgeEntry,
    KnowledgeVersion,
    utcnow,
)
from store.models.knowledge import KEY_PREFIX, KnowledgeStatus, entry_key

DocumentFormat = Literal["yaml", "markdown"]
MAX_IMPORTED = 1000  # entries in one import
MAX_EXPORTED = 10_000
SAVE_ATTEMPTS = 5
T = TypeVar("T")


class KnowledgeConflict(Exception):
    """Concurrent saves kept taking the version number this one chose."""


class KnowledgeRefused(ValueError):
    """Content that cannot be saved (bad matchers, an unreadable document); says why."""


def create(
    session: Session, *, spec: KnowledgeCreate, actor: str, comment: str = ""
) -> KnowledgeEntry:
    _check(spec)
    entry = KnowledgeEntry(title=spec.title, author=actor, updated_by=actor, status="draft")
    _save(session, entry, spec, actor=actor, comment=comment or "created")
    if spec.status == "published":
        _publish(entry, actor)
    session.commit()
    session.refresh(entry)
    return entry


def update(
    session: Session, *, entry_id: int, spec: KnowledgeContent, actor: str, comment: str = ""
) -> KnowledgeEntry | None:
    """Replace the entry's content as a new version; a published entry stays published and
    its published version is the new one."""
    _check(spec)

    def work() -> KnowledgeEntry | None:
        entry = _locked(session, entry_id)
        if entry is None:
            return None
        entry.version += 1
        _save(session, entry, spec, actor=actor, comment=comment)
        if entry.status == "published":
            _publish(entry, actor)
        return entry

    entry = _committed(session, work)
    if entry is not None:
        session.refresh(entry)
    return entry


def publish(session: Session, *, entry_id: int, actor: str) -> KnowledgeEntry | None:
    """Make the entry's newest version the published one (searches find published entries)."""
    entry = _locked(session, entry_id)
    if entry is None:
        return None
    _publish(entry, actor)
    session.add(entry)
    session.commit()
    session.refresh(entry)
    return entry


def delete(session: Session, *, entry_id: int) -> bool:
    entry = session.get(KnowledgeEntry, entry_id)
    if entry is None:
        return False
    owned = select(KnowledgeVersion).where(KnowledgeVersion.entry_id == entry_id)
    for version in session.exec(owned):
        session.delete(version)
    knowledge_index.delete(session, entry_id)
    session.delete(entry)
    session.commit()
    return True


def get(session: Session, *, entry_id: int) -> KnowledgeEntry | None:
    return session.get(KnowledgeEntry, entry_id)


def list_entries(
    session: Session,
    *,
    status: KnowledgeStatus | None,
    tag: str | None,
    offset: int,
    limit: int,
) -> tuple[list[KnowledgeEntry], bool]:
    """Newest edit first (filtered by tag in Python: tags are a JSON list); and whether more
    follow."""
    query = select(KnowledgeEntry).order_by(
        col(KnowledgeEntry.updated_at).desc(), col(KnowledgeEntry.id).desc()
    )
    if status is not None:
        query = query.where(KnowledgeEntry.status == status)
    if tag is None:
        rows = list(session.exec(query.offset(offset).limit(limit + 1)))
    else:
        tagged = [row for row in session.exec(query.limit(MAX_EXPORTED)) if tag in row.tags]
        rows = tagged[offset : offset + limit + 1]
    return rows[:limit], len(rows) > limit


def versions(session: Session, *, entry_id: int) -> list[KnowledgeVersion] | None:
    """The entry's versions, newest first; None if there is no such entry."""
    if session.get(KnowledgeEntry, entry_id) is None:
        return None
    query = (
        select(KnowledgeVersion)
        .where(KnowledgeVersion.entry_id == entry_id)
        .order_by(col(KnowledgeVersion.version).desc())
    )
    return list(session.exec(query))


def content_of(entry: KnowledgeEntry) -> dict[str, Any]:
    """The entry's editable fields, as KnowledgeContent holds them."""
    return {
        "title": entry.title,
        "symptoms": entry.symptoms,
        "cause": entry.cause,
        "resolution": entry.resolution,
        "tags": list(entry.tags),
        "matchers": list(entry.matchers),
        "signature": {
            "alertname": entry.sig_alertname,
            "service": entry.sig_service,
            "error": entry.sig_error,
        },
        "links": list(entry.links),
    }


def import_entries(
    session: Session, *, fmt: DocumentFormat, text: str, actor: str
) -> list[KnowledgeEntry]:
    """Save every entry of the document, all or none: an `id` (`KB-<n>`) naming an existing
    entry makes a new version of it, anything else a new entry."""
    try:
        items = documents.parse_yaml(text) if fmt == "yaml" else documents.parse_markdown(text)
    except documents.DocumentInvalid as exc:
        raise KnowledgeRefused(str(exc)) from None
    if not items:
        raise KnowledgeRefused("the document holds no entries")
    if len(items) > MAX_IMPORTED:
        raise KnowledgeRefused(f"at most {MAX_IMPORTED} entries per import, got {len(items)}")
    specs = []
    for number, item in enumerate(items, start=1):
        raw_id = item.pop("id", None)
        try:
            spec = KnowledgeCreate.model_validate(item)
            _check(spec)
        except (ValidationError, KnowledgeRefused) as exc:
            raise KnowledgeRefused(f"entry {number}: {_first_error(exc)}") from None
        specs.append((raw_id, spec))

    def work() -> list[KnowledgeEntry]:
        saved = []
        for raw_id, spec in specs:
            entry = _existing(session, raw_id)
            if entry is None:
                entry = KnowledgeEntry(title=spec.title, author=actor, updated_by=actor)
            else:
                entry.version += 1
            _save(session, entry, spec, actor=actor, comment="imported")
            if spec.status == "published" or entry.status == "published":
                _publish(entry, actor)
            saved.append(entry)
        return saved

    saved = _committed(session, work)
    for entry in saved:
        session.refresh(entry)
    return saved


def export(session: Session, *, fmt: DocumentFormat, status: KnowledgeStatus | None) -> str:
    query = select(KnowledgeEntry).order_by(col(KnowledgeEntry.id)).limit(MAX_EXPORTED)
    if status is not None:
        query = query.where(KnowledgeEntry.status == status)
    items = [
        {"id": entry_key(entry.id or 0), "status": entry.status, **content_of(entry)}
        for entry in session.exec(query)
    ]
    for item in items:
        item["signature"] = {k: v for k, v in item["signature"].items() if v}
    return documents.dump_yaml(items) if fmt == "yaml" else documents.dump_markdown(items)


def _check(spec: KnowledgeContent) -> None:
    try:
        parse_matchers(spec.matchers)
    except ValueError as exc:
        raise KnowledgeRefused(str(exc)) from None


def _save(
    session: Session, entry: KnowledgeEntry, spec: KnowledgeContent, *, actor: str, comment: str
) -> None:
    """Apply the content, record it as the entry's current version, and re-index; flushes.
    The caller has checked `spec` (_check)."""
    signature = spec.signature
    entry.title = spec.title
    entry.symptoms = spec.symptoms
    entry.cause = spec.cause
    entry.resolution = spec.resolution
    entry.tags = list(dict.fromkeys(spec.tags))
    entry.matchers = list(spec.matchers)
    entry.links = list(spec.links)
    entry.sig_alertname = signature.alertname.strip()
    entry.sig_service = signature.service.strip()
    entry.sig_error = normalise_error(signature.error)
    entry.signature = signature_key(entry.sig_alertname, entry.sig_service, entry.sig_error)
    entry.updated_at = utcnow()
    entry.updated_by = actor
    session.add(entry)
    session.flush()
    assert entry.id is not None
    session.add(
        KnowledgeVersion(
            entry_id=entry.id,
            version=entry.version,
            content=content_of(entry),
            comment=comment,
            created_by=actor,
        )
    )
    knowledge_index.write(session, entry)


def _committed(session: Session, work: Callable[[], T]) -> T:
    """`work()` then commit, again from the start if a concurrent save took the version
    number it chose (SQLite reads outside the write lock, so two edits can both pick it)."""
    for attempt in range(SAVE_ATTEMPTS):
        try:
            result = work()
            session.commit()
            return result
        except IntegrityError:
            session.rollback()
            if attempt == SAVE_ATTEMPTS - 1:
                raise KnowledgeConflict("the entry changed while saving; try again") from None
    raise AssertionError("unreachable")


def _locked(session: Session, entry_id: int) -> KnowledgeEntry | None:
    """The entry, locked until commit on PostgreSQL, so concurrent saves number their
    versions one after another instead of colliding."""
    return session.get(KnowledgeEntry, entry_id, with_for_update=True)


def _publish(entry: KnowledgeEntry, actor: str) -> None:
    entry.status = "published"
    entry.published_version = entry.version
    entry.published_at = utcnow()
    entry.published_by = actor


def _existing(session: Session, raw_id: Any) -> KnowledgeEntry | None:
    text = str(raw_id or "").strip().upper().removeprefix(KEY_PREFIX)
    if not text.isdigit() or len(text) > 9:
        return None
    return _locked(session, int(text))


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(exc)
