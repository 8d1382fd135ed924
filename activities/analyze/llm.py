"""Central: ask an OpenAI-compatible chat API for `{summary, severity, ...}` and validate it,
within the step's deadline and the model's context window."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from activities.analyze.prompt import SYSTEM_PROMPT, excerpt_budget, shorten, user_prompt
from sluice.actions import AnalyzeRequest
from sluice.llm import LlmFailed, Overflow, ask_json, async_client
from sluice.settings import AiSettings

Short = Annotated[str, StringConstraints(max_length=500)]


class LlmAnalysis(BaseModel):
    """The schema the model's answer must satisfy."""

    model_config = ConfigDict(extra="ignore")

    summary: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    severity: Literal["info", "low", "medium", "high", "critical"]
    key_errors: Annotated[list[Short], Field(max_length=10)] = []
    causes: Annotated[list[Short], Field(max_length=10)] = []
    suggestions: Annotated[list[Short], Field(max_length=10)] = []
    confidence: Annotated[float, Field(ge=0, le=1)]
    knowledge: Annotated[list[str | int], Field(max_length=20)] = []


@dataclass
class LlmResult:
    answer: LlmAnalysis
    retries: int
    tokens: tuple[int, int]  # prompt, completion: all requests of this analysis
    excerpt: str  # what the model saw: the excerpt, shortened if it had to be


_MAX_SHRINKS = 3  # context-length retries, on top of ai.max_retries
_MIN_REQUEST_S = 1.0  # no request is started with less time than this left


class LlmClient:
    def __init__(self, settings: AiSettings) -> None:
        self._settings = settings
        self._client = async_client(settings)
        # A server that says its context is smaller than ai.context_tokens is believed, so
        # the next analyses fit at the first request.
        self._context_tokens = settings.context_tokens

    @property
    def configured(self) -> bool:
        return self._client is not None

    async def analyse(self, req: AnalyzeRequest, *, deadline: float) -> LlmResult:
        """The model's validated answer, asked before `deadline` (time.monotonic()); LlmFailed
        (with the retries and tokens spent) when it gives up."""
        retries, shrinks, tokens = 0, 0, (0, 0)
        excerpt = shorten(req.excerpt.text, self._excerpt_bytes(req))
        while True:
            try:
                answer, used = await self._once(req, excerpt, deadline)
                tokens = (tokens[0] + used[0], tokens[1] + used[1])
                return LlmResult(answer, retries, tokens, excerpt)
            except LlmFailed as exc:
                tokens = (tokens[0] + exc.tokens[0], tokens[1] + exc.tokens[1])
                exc.retries, exc.tokens = retries, tokens
                if exc.context is not None and shrinks < _MAX_SHRINKS:
                    smaller = self._shrunk(req, excerpt, exc.context)
                    if len(smaller) < len(excerpt):
                        excerpt, shrinks, retries = smaller, shrinks + 1, retries + 1
                        continue
                if exc.error_class in ("auth", "rate_limit", "unknown", "context_length"):
                    raise  # retrying soon will not help, and must not hammer a limited API
                pause = min(2.0 * (retries + 1), 5.0)
                if retries >= self._settings.max_retries or (
                    time.monotonic() + pause + _MIN_REQUEST_S > deadline
                ):
                    raise
                retries += 1
                await asyncio.sleep(pause)

    def _excerpt_bytes(self, req: AnalyzeRequest) -> int:
        return excerpt_budget(req, self._context_tokens - self._settings.max_tokens)

    def _shrunk(self, req: AnalyzeRequest, excerpt: str, overflow: Overflow) -> str:
        """A shorter excerpt after a context-length error: sized from the server's own numbers
        when it gave them (its real bytes per token), else half as long."""
        if overflow.context_tokens:
            self._context_tokens = min(self._context_tokens, overflow.context_tokens)
        sent = len(SYSTEM_PROMPT.encode()) + len(user_prompt(req, excerpt).encode())
        if overflow.prompt_tokens and overflow.context_tokens:
            room = overflow.context_tokens - self._settings.max_tokens - 64
            allowed = int(sent / overflow.prompt_tokens * room * 0.9)
            budget = allowed - (sent - len(excerpt.encode()))
        else:
            budget = min(self._excerpt_bytes(req), len(excerpt.encode()) // 2)
        return shorten(excerpt, max(0, budget))

    async def _once(
        self, req: AnalyzeRequest, excerpt: str, deadline: float
    ) -> tuple[LlmAnalysis, tuple[int, int]]:
        assert self._client is not None
        left = deadline - time.monotonic()
        if left < _MIN_REQUEST_S:
            raise LlmFailed("timeout", "no time left for the LLM within the step's timeout")
        return await ask_json(
            self._client, self._settings, SYSTEM_PROMPT, user_prompt(req, excerpt),
            LlmAnalysis, seconds=min(self._settings.timeout, left),
        )  # fmt: skip
