"""Using the knowledge base: ask it a question, give feedback on an entry that was matched
or cited, and read the weekly hit and citation rates."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.auth import PrincipalDep, read_write, require
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.routes.knowledge import KnowledgeHit
from api.services import knowledge_ask, knowledge_usage
from sluice.alerting.matchers import MAX_MATCHERS
from store.models import Role
from store.models.common import RowId
from store.models.knowledge import entry_key
from store.models.knowledge_usage import (
    KnowledgeFeedbackCreate,
    KnowledgeFeedbackPublic,
    KnowledgeStats,
)

router = APIRouter(
    tags=["knowledge"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)
# Asking changes no entry (it only counts), so readers may do it too.
ask_router = APIRouter(
    tags=["knowledge"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.operator, Role.viewer))],
)

MAX_QUESTION_CHARS = 2000
LabelName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LabelValue = Annotated[str, StringConstraints(max_length=1000)]


class KnowledgeAskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    labels: dict[LabelName, LabelValue] | None = Field(
        default=None, max_length=MAX_MATCHERS * 2, description="an alert's labels, to rank by"
    )
    language: str = Field(default="", max_length=20, description="the answer's language")


class KnowledgeCitation(BaseModel):
    id: int
    key: str
    title: str


class KnowledgeAnswer(BaseModel):
    ask_id: int
    answer: str = Field(description="the LLM's answer citing `[KB-<id>]`; empty when degraded")
    citations: list[KnowledgeCitation] = Field(description="retrieved entries the answer cites")
    invalid_citations: list[str] = Field(
        description="citations of entries that were not retrieved, removed from the answer"
    )
    entries: list[KnowledgeHit] = Field(description="the retrieved entries, best first")
    degraded: bool = Field(description="no LLM answer: the ranked entries are the answer")
    error_class: str | None = Field(
        description="why degraded: not_configured, no_entries, timeout, rate_limit, network, "
        "auth, invalid_output, unknown"
    )


@ask_router.post("/knowledge:ask", response_model=KnowledgeAnswer)
def ask_knowledge(
    body: KnowledgeAskBody, session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> KnowledgeAnswer:
    """Answer a question from the knowledge base only, citing its entries; without an LLM
    (or when it fails) the ranked entries, marked degraded."""
    if not body.question.strip():
        raise ApiError(422, "empty_query", "question is empty")
    outcome = knowledge_ask.ask(
        session, question=body.question, labels=body.labels or {}, ai=settings.ai,
        actor=principal.name, language=body.language,
    )  # fmt: skip
    return KnowledgeAnswer(
        ask_id=outcome.ask_id,
        answer=outcome.answer,
        citations=[
            KnowledgeCitation(id=e.id or 0, key=entry_key(e.id or 0), title=e.title)
            for e in outcome.cited
        ],
        invalid_citations=outcome.invalid_citations,
        entries=[KnowledgeHit.of(hit) for hit in outcome.hits],
        degraded=outcome.degraded,
        error_class=outcome.error_class,
    )


@router.post(
    "/knowledge/{entry_id}:feedback", response_model=KnowledgeFeedbackPublic, status_code=201
)
def knowledge_feedback(
    entry_id: RowId, body: KnowledgeFeedbackCreate, session: SessionDep, principal: PrincipalDep
) -> KnowledgeFeedbackPublic:
    """Say whether an entry helped, as a group's match or in an answer."""
    try:
        row = knowledge_usage.feedback(session, entry_id=entry_id, body=body, actor=principal.name)
    except knowledge_usage.UnknownGroup as exc:
        raise ApiError(422, "unknown_group", str(exc)) from exc
    if row is None:
        raise not_found("knowledge entry", entry_key(entry_id))
    return KnowledgeFeedbackPublic.model_validate(row, from_attributes=True)


@router.get("/knowledge:stats", response_model=KnowledgeStats)
def knowledge_stats(
    session: SessionDep, weeks: Annotated[int, Query(ge=1, le=52)] = 8
) -> KnowledgeStats:
    """Per week: hit rate (alert groups with a match), citation rate (answers citing an
    entry) and feedback."""
    return knowledge_usage.stats(session, weeks=weeks)
