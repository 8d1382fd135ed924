"""What every LLM call of Sluice shares: an OpenAI-compatible chat API asked for one JSON
object, and every way that fails named by one error class (the `degraded` vocabulary of
the analyses, `knowledge:ask` and ticket drafts)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TypeVar

import openai
from openai.types.shared_params import ResponseFormatJSONObject
from pydantic import BaseModel, ValidationError

from sluice.settings import AiSettings

# Why an answer came from the built-in fallback instead of the model.
ERROR_CLASSES = (
    "not_configured", "timeout", "network", "rate_limit", "auth", "invalid_output",
    "context_length", "unknown",
)  # fmt: skip

M = TypeVar("M", bound=BaseModel)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
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


@dataclass
class Overflow:
    """A context-length error: the prompt's size and the context's, when the server said."""

    prompt_tokens: int | None
    context_tokens: int | None


class LlmFailed(Exception):
    """The LLM gave no usable answer; `retries` and `tokens` say what trying cost."""

    def __init__(self, error_class: str, message: str, *, context: Overflow | None = None) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.context = context
        self.retries = 0
        self.tokens = (0, 0)


def api_key(settings: AiSettings) -> str:
    return settings.api_key.get_secret_value() if settings.api_key else "not-needed"


def json_format(settings: AiSettings) -> openai.Omit | ResponseFormatJSONObject:
    return ResponseFormatJSONObject(type="json_object") if settings.json_mode else openai.omit


def failure_of(exc: openai.OpenAIError) -> LlmFailed:
    """The error class of what the client raised."""
    if isinstance(exc, openai.APITimeoutError):
        return LlmFailed("timeout", str(exc))
    if isinstance(exc, openai.APIConnectionError):
        return LlmFailed("network", str(exc))
    if isinstance(exc, openai.RateLimitError):
        return LlmFailed("rate_limit", str(exc))
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return LlmFailed("auth", str(exc))
    if isinstance(exc, openai.APIStatusError):
        overflow = overflow_of(exc)
        if overflow is not None:
            return LlmFailed("context_length", str(exc), context=overflow)
        return LlmFailed("network" if exc.status_code >= 500 else "unknown", str(exc))
    return LlmFailed("invalid_output", str(exc))


def parse_json(content: str | None, schema: type[M]) -> M:
    """The model's answer as `schema` (```json fences tolerated); LlmFailed otherwise."""
    if not content or not content.strip():
        raise LlmFailed("invalid_output", "the model answered nothing")
    text = _FENCE.sub("", content.strip())
    try:
        return schema.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise LlmFailed("invalid_output", f"answer is not the expected JSON: {exc}") from None


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


async def ask_json(
    client: openai.AsyncOpenAI,
    settings: AiSettings,
    system: str,
    user: str,
    schema: type[M],
    *,
    seconds: float,
) -> tuple[M, tuple[int, int]]:
    """One request: the validated answer and the (prompt, completion) tokens it used."""
    try:
        response = await client.chat.completions.create(
            model=settings.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            response_format=json_format(settings),
            timeout=seconds,
        )
    except openai.OpenAIError as exc:
        raise failure_of(exc) from None
    usage = response.usage
    used = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
    content = response.choices[0].message.content if response.choices else None
    try:
        return parse_json(content, schema), used
    except LlmFailed as exc:
        exc.tokens = used
        raise


def async_client(settings: AiSettings) -> openai.AsyncOpenAI | None:
    """A client of the configured API (no retries of its own), or None when there is none."""
    if not settings.base_url:
        return None
    return openai.AsyncOpenAI(
        base_url=settings.base_url, api_key=api_key(settings), timeout=settings.timeout,
        max_retries=0,
    )  # fmt: skip
