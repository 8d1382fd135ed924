"""An OpenAI-compatible chat completions peer: scripted JSON answers, slow answers, 429s,
malformed output, a context window enforced as llama.cpp's server or OpenAI do; it records
prompts and reports token usage."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from tests.peers.base import Answer, LoopbackServer, Request

GOOD = {
    "summary": "The JVM ran out of heap while loading the report cache.",
    "severity": "critical",
    "key_errors": ["java.lang.OutOfMemoryError: Java heap space"],
    "causes": ["ReportCache holds every report in memory"],
    "suggestions": ["Bound the cache", "Analyse the heap dump"],
    "confidence": 0.82,
}


# A tokenizer's rough shape, independent of Sluice's estimate: words in pieces of up to four
# letters, numbers in groups of three digits, every other character (CJK, punctuation) one.
_TOKEN = re.compile(r"[A-Za-z]{1,4}|\d{1,3}|[^\sA-Za-z\d]")
_MESSAGE_TOKENS = 4  # role markers of the chat template


def count_tokens(messages: list[dict[str, str]]) -> int:
    return sum(_MESSAGE_TOKENS + len(_TOKEN.findall(m["content"])) for m in messages)


class OpenAIPeer(LoopbackServer):
    """Each request takes the next mode from `modes` (then `default`):
    "ok" (GOOD as JSON), "fenced" (GOOD inside ```json fences), "malformed", "wrong_schema",
    "rate_limit" (429), "slow" (sleeps `slow_s`), "auth" (401), "empty" (no content); "ok"
    answers `content` instead of GOOD when it is set.

    With `context_tokens`, a prompt that does not fit is refused with a 400 and the body of
    llama.cpp's server (`style="llama.cpp"`: prompt tokens >= n_ctx) or OpenAI's (`"openai"`:
    prompt + max_tokens > the model's maximum context length)."""

    def __init__(self, api_key: str = "sk-test", slow_s: float = 3.0) -> None:
        self.api_key = api_key
        self.modes: list[str] = []
        self.default = "ok"
        self.slow_s = slow_s
        self.prompts: list[str] = []
        self.prompt_tokens: list[int] = []  # of every request that got past authentication
        self.context_tokens: int | None = None
        self.style = "llama.cpp"
        self.content: str | None = None  # "ok" answers this instead of GOOD, when set
        super().__init__()

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def handle(self, request: Request) -> Answer:
        if request.path != "/v1/chat/completions" or request.method != "POST":
            return Answer(404, {"error": {"message": "not found"}})
        with self.lock:
            mode = self.modes.pop(0) if self.modes else self.default
        if mode == "auth" or request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return Answer(401, {"error": {"message": "Incorrect API key", "type": "auth"}})
        body = request.json()
        assert body["messages"][0]["role"] == "system"
        self.prompts.append(body["messages"][-1]["content"])
        tokens = count_tokens(body["messages"])
        self.prompt_tokens.append(tokens)
        refusal = self._context_refusal(tokens, int(body.get("max_tokens") or 0))
        if refusal is not None:
            return refusal
        if mode == "rate_limit":
            return Answer(
                429,
                {"error": {"message": "Rate limit reached", "type": "rate_limit"}},
                {"Retry-After": "20"},
            )
        if mode == "slow":
            time.sleep(self.slow_s)
        content: str
        if mode == "malformed":
            content = "Sure! Here is the analysis: the JVM crashed {not json"
        elif mode == "wrong_schema":
            content = json.dumps({"summary": "x", "severity": "apocalyptic", "confidence": 7})
        elif mode == "fenced":
            content = "```json\n" + json.dumps(GOOD) + "\n```"
        elif mode == "empty":
            content = ""
        else:
            content = json.dumps(GOOD) if self.content is None else self.content
        return Answer(200, _completion(body.get("model", ""), content, tokens))

    def _context_refusal(self, tokens: int, max_tokens: int) -> Answer | None:
        limit = self.context_tokens
        if limit is None:
            return None
        if self.style == "llama.cpp" and tokens >= limit:
            # llama.cpp tools/server: send_error(..., ERROR_TYPE_EXCEED_CONTEXT_SIZE)
            message = (
                f"request ({tokens} tokens) exceeds the available context size "
                f"({limit} tokens), try increasing it"
            )
            error = {
                "code": 400,
                "message": message,
                "type": "exceed_context_size_error",
                "n_prompt_tokens": tokens,
                "n_ctx": limit,
            }
            return Answer(400, {"error": error})
        if self.style == "openai" and tokens + max_tokens > limit:
            message = (
                f"This model's maximum context length is {limit} tokens. However, you "
                f"requested {tokens + max_tokens} tokens ({tokens} in the messages, "
                f"{max_tokens} in the completion). Please reduce the length of the messages "
                "or completion."
            )
            error = {
                "message": message,
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
            return Answer(400, {"error": error})
        return None


def _completion(model: str, content: str, prompt_tokens: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": 54,
            "total_tokens": prompt_tokens + 54,
        },
    }
