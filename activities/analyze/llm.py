"""Central: ask an OpenAI-compatible chat API for `{summary, severity, ...}` and validate it."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Annotated, Literal

import openai
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from sluice.actions import AnalyzeRequest
from sluice.settings import AiSettings

Short = Annotated[str, StringConstraints(max_length=500)]

SYSTEM_PROMPT = """You analyse log excerpts for operations engineers.
Answer with one JSON object and nothing else:
{"summary": string (<= 3 sentences), "severity": "info"|"low"|"medium"|"high"|"critical",
 "key_errors": [string, <= 5], "causes": [string, <= 5], "suggestions": [string, <= 5],
 "confidence": number between 0 and 1}
Lines are numbered; "… (n lines skipped) …" marks omitted lines; *** marks masked secrets."""


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
    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_answer(content: str | None) -> LlmAnalysis:
    if not content:
        raise LlmFailed("invalid_output", "the model answered nothing")
    text = _FENCE.sub("", content.strip())
    try:
        return LlmAnalysis.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise LlmFailed("invalid_output", f"answer is not the expected JSON: {exc}") from None


def user_prompt(req: AnalyzeRequest) -> str:
    f = req.excerpt.findings
    facts = {
        "file": req.file_name,
        "total_lines": f.total_lines,
        "levels": f.levels,
        "signatures": f.signatures,
        "exception_types": f.exception_types,
    }
    extra = f"\nAlso: {req.prompt}" if req.prompt else ""
    language = f"\nWrite the text fields in language: {req.language}." if req.language else ""
    return f"Facts: {json.dumps(facts)}{extra}{language}\n\nExcerpt:\n{req.excerpt.text}"


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

    @property
    def configured(self) -> bool:
        return self._client is not None

    async def analyse(self, req: AnalyzeRequest) -> tuple[LlmAnalysis, int, tuple[int, int]]:
        """(answer, retries used, (prompt, completion) tokens); LlmFailed when it gives up."""
        assert self._client is not None
        retries = 0
        tokens = (0, 0)
        while True:
            try:
                answer, used = await self._once(req)
                tokens = (tokens[0] + used[0], tokens[1] + used[1])
                return answer, retries, tokens
            except LlmFailed as exc:
                if exc.error_class in ("auth", "rate_limit", "unknown"):
                    raise  # retrying soon will not help, and must not hammer a limited API
                if retries >= self._settings.max_retries:
                    raise
                retries += 1
                await asyncio.sleep(min(2.0 * retries, 5.0))

    async def _once(self, req: AnalyzeRequest) -> tuple[LlmAnalysis, tuple[int, int]]:
        assert self._client is not None
        s = self._settings
        try:
            response = await self._client.chat.completions.create(
                model=s.model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": user_prompt(req)},
                ],
                temperature=s.temperature,
                max_tokens=s.max_tokens,
                response_format={"type": "json_object"} if s.json_mode else openai.omit,
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
            error_class = "network" if exc.status_code >= 500 else "unknown"
            raise LlmFailed(error_class, str(exc)) from None
        except openai.OpenAIError as exc:
            raise LlmFailed("invalid_output", str(exc)) from None
        usage = response.usage
        used = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        content = response.choices[0].message.content if response.choices else None
        return parse_answer(content), used
