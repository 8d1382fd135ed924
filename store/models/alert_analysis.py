"""Analyses of alert groups: what the LLM (or, degraded, the built-in analyzer) made of a
group's alerts, related alerts and knowledge matches. A group keeps every analysis; the
newest is the one shown and carried by its notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from store.models.common import created_at_field, json_field

Risk = Literal["low", "medium", "high", "unknown"]


class SuggestedAction(BaseModel):
    action: str
    risk: Risk = PydanticField(
        description="what doing it could break; `unknown` when the built-in analyzer took "
        "it from a knowledge entry"
    )


class AlertGroupAnalysis(SQLModel, table=True):
    __tablename__ = "alert_group_analyses"

    id: int | None = Field(default=None, primary_key=True)
    group_id: str = Field(index=True, max_length=64)
    trigger: str = Field(default="auto", max_length=16)  # auto, on_demand
    actor: str = Field(default="", max_length=200)  # who asked, on demand
    summary: str = ""
    severity: str = Field(default="info", max_length=16)
    causes: list[str] = json_field(list)
    actions: list[dict[str, str]] = json_field(list)
    confidence: float = 0.0
    knowledge: list[int] = json_field(list)  # entry ids the analysis used
    degraded: bool = False
    error_class: str = Field(default="", max_length=32)
    model: str = Field(default="", max_length=200)
    excerpt: str = Field(default="", max_length=500)  # the log file read, or why not
    elapsed_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    created_at: datetime = created_at_field()


class AlertAnalysisPublic(BaseModel):
    id: int
    group_id: str
    trigger: str = PydanticField(description="`auto` (the route asked for it) or `on_demand`")
    actor: str
    summary: str
    severity: str
    causes: list[str]
    actions: list[SuggestedAction]
    confidence: float
    knowledge: list[str] = PydanticField(description="the entries it used, as `KB-<id>`")
    degraded: bool = PydanticField(
        description="the built-in analyzer answered because the LLM could not"
    )
    error_class: str = PydanticField(
        description="why it degraded: not_configured, timeout, network, rate_limit, auth, "
        "invalid_output, context_length, unknown"
    )
    model: str
    excerpt: str = PydanticField(description="the log file the agent read for it, or why not")
    elapsed_ms: int
    prompt_tokens: int
    completion_tokens: int
    created_at: datetime


class AlertAnalysisStarted(BaseModel):
    workflow_id: str = PydanticField(description="the analysis' run, in Temporal's Web UI")
