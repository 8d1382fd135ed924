"""Ask the configured OpenAI-compatible chat API (the `ai` settings the analyze step uses) to
answer a question from the given knowledge entries only, as `{"answer": ...}`; every way it
fails is one error class (the analyze step's vocabulary), never an exception the route sees."""

from __future__ import annotations

from collections.abc import Sequence

import openai
from pydantic import BaseModel, ConfigDict, Field

from sluice.llm import LlmFailed, api_key, failure_of, json_format, parse_json
from sluice.settings import AiSettings
from store.knowledge import entry_block
from store.models import KnowledgeEntry

MAX_SECONDS = 30.0  # a person is waiting: ai.timeout, but never longer than this
MAX_ANSWER_CHARS = 20_000
BYTES_PER_TOKEN = 2  # as activities/analyze/prompt.py estimates
PROMPT_SLACK_TOKENS = 512  # the instructions, the question and the chat template

SYSTEM_PROMPT = """You answer operations engineers' questions from a knowledge base.
Use ONLY the entries given below; do not use anything else you know. After each statement,
cite the entry it comes from as [KB-<id>] (for example [KB-12]). If the entries do not
answer the question, say so and cite nothing.
Answer with one JSON object and nothing else: {"answer": string}"""


class LlmAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)


def answer(
    ai: AiSettings, question: str, entries: Sequence[KnowledgeEntry], *, language: str = ""
) -> str:
    """The model's answer (with its [KB-n] citations, unchecked); LlmFailed otherwise."""
    if not ai.base_url:
        raise LlmFailed("not_configured", "no LLM is configured (ai.base_url)")
    timeout = min(ai.timeout, MAX_SECONDS)
    client = openai.OpenAI(
        base_url=ai.base_url, api_key=api_key(ai), timeout=timeout, max_retries=0
    )
    budget = (ai.context_tokens - ai.max_tokens - PROMPT_SLACK_TOKENS) * BYTES_PER_TOKEN
    prompt = user_prompt(question, entries, budget, language=language)
    try:
        with client:
            response = client.chat.completions.create(
                model=ai.model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": prompt},
                ],
                temperature=ai.temperature,
                max_tokens=ai.max_tokens,
                response_format=json_format(ai),
            )
    except openai.OpenAIError as exc:
        raise failure_of(exc) from None
    content = response.choices[0].message.content if response.choices else None
    return parse_json(content, LlmAnswer).answer


def user_prompt(
    question: str, entries: Sequence[KnowledgeEntry], budget_bytes: int, *, language: str = ""
) -> str:
    """The question and the entries, each cut to an equal share of `budget_bytes`."""
    share = max(256, (budget_bytes - len(question.encode())) // max(1, len(entries)))
    blocks = [entry_block(entry, share) for entry in entries]
    said = f"\nWrite the answer in language: {language}." if language else ""
    return f"Question: {question}{said}\n\nEntries:\n\n" + "\n\n".join(blocks)
