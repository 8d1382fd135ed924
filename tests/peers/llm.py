"""An OpenAI-compatible chat completions peer: scripted JSON answers, slow answers, 429s,
malformed output; it records prompts and reports token usage."""

from __future__ import annotations

import json
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


class OpenAIPeer(LoopbackServer):
    """Each request takes the next mode from `modes` (then `default`):
    "ok" (GOOD as JSON), "fenced" (GOOD inside ```json fences), "malformed", "wrong_schema",
    "rate_limit" (429), "slow" (sleeps `slow_s`), "auth" (401)."""

    def __init__(self, api_key: str = "sk-test", slow_s: float = 3.0) -> None:
        self.api_key = api_key
        self.modes: list[str] = []
        self.default = "ok"
        self.slow_s = slow_s
        self.prompts: list[str] = []
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
        else:
            content = json.dumps(GOOD)
        return Answer(200, _completion(body.get("model", ""), content))


def _completion(model: str, content: str) -> dict[str, Any]:
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
        "usage": {"prompt_tokens": 321, "completion_tokens": 54, "total_tokens": 375},
    }
