"""How the knowledge base is used: the entries matched to each alert group, the questions
asked of it (`knowledge:ask`), and people's feedback on matches and answers. The weekly hit
and citation rates are counted from these rows."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from store.models.common import created_at_field, json_field

FeedbackContext = Literal["match", "answer"]


class KnowledgeMatchRun(SQLModel, table=True):
    """One per alert group: its matching ran (on its first flush) and found `matches`
    entries. Its primary key makes the run, and the `matched` counters, once per group."""

    __tablename__ = "knowledge_match_runs"

    group_id: str = Field(primary_key=True, max_length=64)
    matches: int = 0
    matched_at: datetime = created_at_field(index=True)


class AlertGroupKnowledge(SQLModel, table=True):
    """An entry matched to an alert group, with its rank, score and why it matched."""

    __tablename__ = "alert_group_knowledge"

    group_id: str = Field(primary_key=True, max_length=64)
    entry_id: int = Field(primary_key=True, index=True)
    rank: int = 1
    score: float = 0.0
    why: list[str] = json_field(list)
    created_at: datetime = created_at_field()


class KnowledgeAsk(SQLModel, table=True):
    """A question put to `knowledge:ask`: when, by whom, how it was answered (the question
    itself is not kept)."""

    __tablename__ = "knowledge_asks"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(default="", max_length=200)
    retrieved: int = 0
    cited: int = 0  # distinct valid citations in the answer
    degraded: bool = False
    error_class: str = Field(default="", max_length=32)
    created_at: datetime = created_at_field(index=True)


class KnowledgeFeedback(SQLModel, table=True):
    __tablename__ = "knowledge_feedback"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(index=True)
    helpful: bool
    context: str = Field(max_length=16)
    group_id: str | None = Field(default=None, max_length=64)
    actor: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()


class KnowledgeMatch(BaseModel):
    """An entry matched to an alert group."""

    id: int
    key: str = PydanticField(description="`KB-<id>`")
    title: str
    score: float = PydanticField(description="reciprocal rank fusion of the rankings")
    why: list[str] = PydanticField(
        description="what matched: exact_signature, signature, labels, text"
    )


class KnowledgeFeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    helpful: bool
    context: FeedbackContext
    group_id: str | None = PydanticField(default=None, min_length=1, max_length=64)


class KnowledgeFeedbackPublic(BaseModel):
    id: int
    entry_id: int
    helpful: bool
    context: FeedbackContext
    group_id: str | None
    actor: str
    created_at: datetime


class KnowledgeWeek(BaseModel):
    week: str = PydanticField(description="the week's Monday (UTC), YYYY-MM-DD")
    groups: int = PydanticField(description="alert groups matched that week (first flushes)")
    groups_with_match: int
    hit_rate: float | None = PydanticField(description="groups_with_match / groups")
    asks: int
    asks_citing: int = PydanticField(description="answers citing at least one entry")
    asks_degraded: int
    citation_rate: float | None = PydanticField(description="asks_citing / asks")
    helpful: int
    not_helpful: int


class KnowledgeStats(BaseModel):
    weeks: list[KnowledgeWeek] = PydanticField(description="oldest first; the last is this week")
