"""Central: ask an OpenAI-compatible chat API for `{summary, severity, ...}` and validate it,
within the step's deadline and the model's context window."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import Annotated, Literal

import openai
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from activities.analyze.prompt import SYSTEM_PROMPT, excerpt_budget, shorten, user_prompt
from sluice.actions import AnalyzeRequest
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


class LlmFailed(Exception):
    """The LLM gave no usable answer; `retries` and `tokens` say what trying cost."""

    def __init__(self, error_class: str, message: str, *, context: Overflow | None = None) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.context = context
        self.retries = 0
        self.tokens = (0, 0)


@dataclass
class Overflow:
    """A context-length error: the prompt's size and the context's, when the server said."""

    prompt_tokens: int | None
    context_tokens: int | None


@dataclass
class LlmResult:
    answer: LlmAnalysis
    retries: int
    tokens: tuple[int, int]  # prompt, completion: all requests of this analysis
    excerpt: str  # what the model saw: the excerpt, shortened if it had to be


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_answer(content: str | None) -> LlmAnalysis:
    if not content:
        raise LlmFailed("invalid_output", "the model answered nothing")
    text = _FENCE.sub("", content.strip())
    try:
        return LlmAnalysis.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise LlmFailed("invalid_output", f"answer is not the expected JSON: {exc}") from None


_MAX_SHRINKS = 3  # context-length retries, on top of ai.max_retries
_MIN_REQUEST_S = 1.0  # no request is started with less time than this left
_CONTEXT_PHRASES = (
    "context_length_exceeded",  # OpenAI's error code
    "exceed_context_size_error",  # llama.cpp's error type
    "exceeds the available context size",  # llama.cpp
    "maximum context length",  # OpenAI, vLLM
    "context window",
)
_NUMBERS = {
    "context": re.compile(r"maximum context length is (\d+)|context size \((\d+) tokens\)"),
    "prompt": re.compile(
        r"\((\d+) in the messages|resulted in (\d+) tokens|request \((\d+) tokens\)"
    ),
}


def overflow_of(exc: openai.APIStatusError) -> Overflow | None:
    """The context-length error in a 400 (OpenAI, vLLM and llama.cpp bodies), else None."""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body)
    error = error if isinstance(error, dict) else {}
    text = f"{exc} {error.get('code', '')} {error.get('type', '')}".lower()
    if exc.status_code not in (400, 413) or not any(p in text for p in _CONTEXT_PHRASES):
        return None

    def number(field: str, kind: str) -> int | None:
        if isinstance(error.get(field), int):
            return int(error[field])
        match = _NUMBERS[kind].search(text)
        return int(next(g for g in match.groups() if g)) if match else None

    return Overflow(number("n_prompt_tokens", "prompt"), number("n_ctx", "context"))


class LlmClient:
    def __init__(self, settings: AiSettings) -> None:
        self._settings = settings
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self._client = (
            openai.AsyncOpenAI(
                base_url=settings.base_url, api_key=key, timeout=settings.timeout, max_retries=0
            )
            if settings.base_url
            else None
        )
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
                content, used = await self._once(req, excerpt, deadline)
                tokens = (tokens[0] + used[0], tokens[1] + used[1])
                return LlmResult(parse_answer(content), retries, tokens, excerpt)
            except LlmFailed as exc:
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
    ) -> tuple[str | None, tuple[int, int]]:
        assert self._client is not None
        s = self._settings
        left = deadline - time.monotonic()
        if left < _MIN_REQUEST_S:
            raise LlmFailed("timeout", "no time left for the LLM within the step's timeout")
        try:
            response = await self._client.chat.completions.create(
                model=s.model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": user_prompt(req, excerpt)},
                ],
                temperature=s.temperature,
                max_tokens=s.max_tokens,
                response_format={"type": "json_object"} if s.json_mode else openai.omit,
                timeout=min(s.timeout, left),
            )
        except openai.APITimeoutError as exc:
            raise LlmFailed("timeout", str(exc)) from None
        except openai.APIConnectionError as exc:
            raise LlmFailed("network", str(exc)) from None
        except openai.RateLimitError as exc:
            raise LlmFailed("rate_limit", str(exc)) from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise LlmFailed("auth", str(exc)) from None
        except openai.APIStatusError as exc:
            overflow = overflow_of(exc)
            if overflow is not None:
                raise LlmFailed("context_length", str(exc), context=overflow) from None
            error_class = "network" if exc.status_code >= 500 else "unknown"
            raise LlmFailed(error_class, str(exc)) from None
        except openai.OpenAIError as exc:
            raise LlmFailed("invalid_output", str(exc)) from None
        usage = response.usage
        used = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        return (response.choices[0].message.content if response.choices else None), used
