"""Have the configured LLM (the `ai` settings) write a resolved ticket's knowledge draft from
what happened: the ticket, its comments, its timeline and its group's alerts, answered as one
JSON object {title, symptoms, cause, resolution (steps), tags}. Every way it fails is an
LlmFailed with its error class (sluice/llm.py); the caller falls back to the templated draft."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from sluice.llm import LlmFailed, ask_json, async_client
from sluice.settings import AiSettings

MAX_SECONDS = 30.0  # the person resolving waits for it: ai.timeout, but never longer
BYTES_PER_TOKEN = 2  # as activities/analyze/prompt.py estimates
PROMPT_SLACK_TOKENS = 512  # the instructions and the chat template
MAX_STEPS = 30

SYSTEM_PROMPT = """You write knowledge base entries for operations engineers from a resolved
ticket: what was seen, why it happened, and the steps that fixed it. Use ONLY the ticket,
comments, timeline and alerts given; do not invent commands, hosts or causes. If the cause
is not known from them, say so in one sentence.
Answer with one JSON object and nothing else:
{"title": string (a short problem statement), "symptoms": string (what was observed:
alerts, errors), "cause": string, "resolution": [string, ...] (the steps, in order),
"tags": [string, ...] (up to 8 short lowercase words)}"""

Step = Annotated[str, Field(min_length=1, max_length=2_000)]
Tag = Annotated[str, Field(min_length=1, max_length=50)]


class LlmDraft(BaseModel):
    """The model's answer, bounded: anything longer or missing is invalid_output."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=1, max_length=200)
    symptoms: str = Field(default="", max_length=8_000)
    cause: str = Field(default="", max_length=4_000)
    resolution: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    tags: list[Tag] = Field(default_factory=list, max_length=10)

    def steps(self) -> str:
        return "\n".join(f"{n}. {step.strip()}" for n, step in enumerate(self.resolution, 1))


@dataclass
class TicketStory:
    """What the model reads: small, plain values gathered from the database beforehand."""

    key: str
    title: str
    priority: str
    description: str = ""
    comments: list[tuple[str, str]] = field(default_factory=list)  # (author, body)
    events: list[dict[str, Any]] = field(default_factory=list)  # at, kind, actor, detail
    alerts: list[dict[str, Any]] = field(default_factory=list)  # labels, annotations


async def write(ai: AiSettings, story: TicketStory) -> LlmDraft:
    """The model's draft; LlmFailed (not_configured, timeout, rate_limit, invalid_output…)."""
    client = async_client(ai)
    if client is None:
        raise LlmFailed("not_configured", "no LLM is configured (ai.base_url)")
    budget = (ai.context_tokens - ai.max_tokens - PROMPT_SLACK_TOKENS) * BYTES_PER_TOKEN
    async with client:
        draft, _ = await ask_json(
            client, ai, SYSTEM_PROMPT, user_prompt(story, budget), LlmDraft,
            seconds=min(ai.timeout, MAX_SECONDS),
        )  # fmt: skip
    return draft


def user_prompt(story: TicketStory, budget_bytes: int) -> str:
    """The ticket's story, each part cut to its share of `budget_bytes` (comments first:
    they say what people did)."""
    head = f"Ticket {story.key} ({story.priority}): {story.title}\n{story.description}".strip()
    comments = "\n\n".join(f"{author}: {body}" for author, body in story.comments)
    events = "\n".join(json.dumps(e, default=str, ensure_ascii=False) for e in story.events)
    alerts = "\n".join(json.dumps(a, ensure_ascii=False, sort_keys=True) for a in story.alerts)
    room = max(1024, budget_bytes - len(head.encode()))
    parts = [
        ("Comments, in order", comments, room // 2),
        ("Alerts (labels and annotations)", alerts, room // 4),
        ("Timeline", events, room // 4),
    ]
    blocks = [f"{name}:\n{_cut(text, share)}" for name, text, share in parts if text]
    return "\n\n".join([_cut(head, budget_bytes // 4), *blocks])


def _cut(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max(max_bytes - 4, 0)].decode(errors="ignore") + " …"
