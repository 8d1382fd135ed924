"""Knowledge entries (`KB-<n>`): search, read, write, version history, publish, and import or
export as YAML or Markdown."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PrincipalDep, read_write
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.services import knowledge as service
from sluice.alerting.matchers import MAX_MATCHERS
from sluice.knowledge.text import query_terms
from store.knowledge import SearchHit, search
from store.models import (
    KnowledgeCreate,
    KnowledgeEntry,
    KnowledgePublic,
    KnowledgeUpdate,
    KnowledgeVersionPublic,
    Role,
)
from store.models.common import RowId
from store.models.knowledge import KnowledgeStatus, entry_key

router = APIRouter(
    tags=["knowledge"],
    responses={**ERROR_RESPONSES, 409: {"model": ErrorBody}},
    dependencies=[Depends(read_write(Role.operator))],
)

MAX_QUERY_CHARS = 2000
MAX_IMPORT_CHARS = 2_000_000
MEDIA_TYPES = {"yaml": "application/yaml", "markdown": "text/markdown"}


class KnowledgePage(BaseModel):
    items: list[KnowledgePublic]
    next_offset: int | None


class ScoreComponents(BaseModel):
    """Where an entry came in each ranking (1 = first; null = not in it)."""

    exact_signature: bool = Field(description="the alert's whole signature equals the entry's")
    signature_rank: int | None
    labels_rank: int | None = Field(description="among entries whose label matchers all hold")
    text_rank: int | None
    text_score: float | None = Field(
        description="full-text score, higher is better (BM25 on SQLite, ts_rank_cd on PostgreSQL)"
    )


class KnowledgeHit(BaseModel):
    entry: KnowledgePublic
    score: float = Field(description="reciprocal rank fusion of the rankings")
    components: ScoreComponents

    @classmethod
    def of(cls, hit: SearchHit) -> "KnowledgeHit":
        return cls(
            entry=public(hit.entry),
            score=hit.score,
            components=ScoreComponents(
                exact_signature=hit.exact_signature,
                signature_rank=hit.signature_rank,
                labels_rank=hit.labels_rank,
                text_rank=hit.text_rank,
                text_score=hit.text_score,
            ),
        )


class KnowledgeSearchResult(BaseModel):
    query: str
    terms: list[str] = Field(description="the query as searched: segmented, lowercased, stemmed")
    items: list[KnowledgeHit]


class KnowledgeImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["yaml", "markdown"]
    text: str = Field(min_length=1, max_length=MAX_IMPORT_CHARS)


class KnowledgeImported(BaseModel):
    count: int
    ids: list[int]
    keys: list[str]


@router.get("/knowledge", response_model=KnowledgePage)
def list_knowledge(
    session: SessionDep,
    status: KnowledgeStatus | None = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> KnowledgePage:
    """List knowledge entries, the most recently edited first."""
    rows, more = service.list_entries(session, status=status, tag=tag, offset=offset, limit=limit)
    return KnowledgePage(
        items=[public(row) for row in rows], next_offset=offset + limit if more else None
    )


@router.get("/knowledge:search", response_model=KnowledgeSearchResult)
def search_knowledge(
    session: SessionDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="a question or an error")],
    labels: Annotated[
        list[str] | None,
        Query(max_length=MAX_MATCHERS * 2, description="the alert's labels, `name=value`"),
    ] = None,
    status: Literal["published", "draft", "any"] = "published",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> KnowledgeSearchResult:
    """Search entries: the exact error signature first, then signature, labels and full text
    fused by reciprocal rank fusion."""
    if not q.strip():
        raise ApiError(422, "empty_query", "q is empty: give a question or an error text")
    statuses = ("published", "draft") if status == "any" else (status,)
    hits = search(session, query=q, labels=_labels(labels or []), statuses=statuses, limit=limit)
    return KnowledgeSearchResult(
        query=q,
        terms=query_terms(q),
        items=[KnowledgeHit.of(hit) for hit in hits],
    )


@router.get(
    "/knowledge:export",
    response_class=Response,
    responses={200: {"content": {t: {"schema": {"type": "string"}} for t in MEDIA_TYPES.values()}}},
)
def export_knowledge(
    session: SessionDep,
    format: Literal["yaml", "markdown"] = "yaml",
    status: KnowledgeStatus | None = None,
) -> Response:
    """Export entries as one YAML or Markdown document (the format import reads)."""
    text = service.export(session, fmt=format, status=status)
    return Response(text, media_type=f"{MEDIA_TYPES[format]}; charset=utf-8")


@router.post("/knowledge:import", response_model=KnowledgeImported)
def import_knowledge(
    body: KnowledgeImport, session: SessionDep, principal: PrincipalDep
) -> KnowledgeImported:
    """Import a YAML or Markdown document: all its entries are saved, or none."""
    try:
        entries = service.import_entries(
            session, fmt=body.format, text=body.text, actor=principal.name
        )
    except service.KnowledgeRefused as exc:
        raise ApiError(422, "invalid_knowledge", str(exc)) from exc
    except service.KnowledgeConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    ids = [entry.id or 0 for entry in entries]
    return KnowledgeImported(count=len(ids), ids=ids, keys=[entry_key(i) for i in ids])


@router.post("/knowledge", response_model=KnowledgePublic, status_code=201)
def create_knowledge(
    body: KnowledgeCreate, session: SessionDep, principal: PrincipalDep
) -> KnowledgePublic:
    """Create an entry (a draft unless `status` is published)."""
    try:
        entry = service.create(session, spec=body, actor=principal.name)
    except service.KnowledgeRefused as exc:
        raise ApiError(422, "invalid_knowledge", str(exc)) from exc
    return public(entry)


@router.get("/knowledge/{entry_id}", response_model=KnowledgePublic)
def get_knowledge(entry_id: RowId, session: SessionDep) -> KnowledgePublic:
    """One entry."""
    entry = service.get(session, entry_id=entry_id)
    if entry is None:
        raise not_found("knowledge entry", entry_key(entry_id))
    return public(entry)


@router.put("/knowledge/{entry_id}", response_model=KnowledgePublic)
def update_knowledge(
    entry_id: RowId, body: KnowledgeUpdate, session: SessionDep, principal: PrincipalDep
) -> KnowledgePublic:
    """Replace an entry's content; the edit is saved as a new version."""
    content = body.model_dump(exclude={"comment"})
    try:
        entry = service.update(
            session,
            entry_id=entry_id,
            spec=KnowledgeCreate.model_validate(content),
            actor=principal.name,
            comment=body.comment,
        )
    except service.KnowledgeRefused as exc:
        raise ApiError(422, "invalid_knowledge", str(exc)) from exc
    except service.KnowledgeConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if entry is None:
        raise not_found("knowledge entry", entry_key(entry_id))
    return public(entry)


@router.delete("/knowledge/{entry_id}", status_code=204)
def delete_knowledge(entry_id: RowId, session: SessionDep) -> Response:
    """Delete an entry and its versions."""
    if not service.delete(session, entry_id=entry_id):
        raise not_found("knowledge entry", entry_key(entry_id))
    return Response(status_code=204)


@router.get("/knowledge/{entry_id}/versions", response_model=list[KnowledgeVersionPublic])
def list_knowledge_versions(entry_id: RowId, session: SessionDep) -> list[KnowledgeVersionPublic]:
    """An entry's versions, the newest first."""
    rows = service.versions(session, entry_id=entry_id)
    if rows is None:
        raise not_found("knowledge entry", entry_key(entry_id))
    return [KnowledgeVersionPublic.model_validate(row, from_attributes=True) for row in rows]


@router.post("/knowledge/{entry_id}:publish", response_model=KnowledgePublic)
def publish_knowledge(
    entry_id: RowId, session: SessionDep, principal: PrincipalDep
) -> KnowledgePublic:
    """Publish an entry's newest version, so searches find it."""
    entry = service.publish(session, entry_id=entry_id, actor=principal.name)
    if entry is None:
        raise not_found("knowledge entry", entry_key(entry_id))
    return public(entry)


def public(entry: KnowledgeEntry) -> KnowledgePublic:
    return KnowledgePublic.model_validate(
        {
            **entry.model_dump(),
            **service.content_of(entry),
            "key": entry_key(entry.id or 0),
            "counters": {
                "matched": entry.matched,
                "cited": entry.cited,
                "helpful": entry.helpful,
                "not_helpful": entry.not_helpful,
            },
        }
    )


def _labels(pairs: list[str]) -> dict[str, str]:
    labels = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ApiError(422, "invalid_label", f"label {pair[:100]!r}: expected name=value")
        labels[name.strip()] = value.strip().strip('"')
    return labels
