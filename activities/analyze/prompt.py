"""The analysis prompt, fitted to the model's context window by a conservative token estimate."""

from __future__ import annotations

import json

from sluice.actions import AnalyzeRequest

SYSTEM_PROMPT = """You analyse log excerpts for operations engineers.
Answer with one JSON object and nothing else:
{"summary": string (<= 3 sentences), "severity": "info"|"low"|"medium"|"high"|"critical",
 "key_errors": [string, <= 5], "causes": [string, <= 5], "suggestions": [string, <= 5],
 "confidence": number between 0 and 1,
 "knowledge": ["KB-<id>" of the knowledge entries you used, if any were given]}
Prefer what the knowledge entries say when they fit; never invent entry ids.
Lines are numbered; "… (n lines skipped) …" marks omitted lines; *** marks masked secrets."""

# Tokens are estimated from UTF-8 bytes: logs (digits, hex, punctuation) measured 2.2 bytes a
# token on a llama tokenizer, and a CJK character (3 bytes) is one or two tokens, so 2 bytes a
# token over-counts both a little. A context-length error still corrects it (see LlmClient).
BYTES_PER_TOKEN = 2
MESSAGE_OVERHEAD_TOKENS = 16  # the chat template's role markers, per message
SHORTENED = "… (excerpt shortened to fit the model's context) …"


def estimate_tokens(text: str) -> int:
    return -(-len(text.encode()) // BYTES_PER_TOKEN)


def user_prompt(req: AnalyzeRequest, excerpt: str | None = None) -> str:
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
    text = req.excerpt.text if excerpt is None else excerpt
    known = "\n\nKnowledge entries:\n\n" + "\n\n".join(req.knowledge) if req.knowledge else ""
    return f"Facts: {json.dumps(facts)}{extra}{language}{known}\n\nExcerpt:\n{text}"


def excerpt_budget(req: AnalyzeRequest, prompt_tokens: int) -> int:
    """Bytes of excerpt that keep the whole prompt within `prompt_tokens` (estimated)."""
    frame = estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(user_prompt(req, ""))
    spare = prompt_tokens - frame - 2 * MESSAGE_OVERHEAD_TOKENS
    return max(0, spare * BYTES_PER_TOKEN)


def shorten(text: str, max_bytes: int) -> str:
    """`text` within `max_bytes`, in whole lines: its head (a third) and its tail, where the
    last errors usually are, with a marker between them."""
    if len(text.encode()) <= max_bytes:
        return text
    lines = text.split("\n")
    budget = max_bytes - len(SHORTENED.encode()) - 2
    head: list[str] = []
    tail: list[str] = []
    size = 0
    for line in lines:  # the head takes up to a third
        cost = len(line.encode()) + 1
        if size + cost > budget // 3:
            break
        head.append(line)
        size += cost
    for line in reversed(lines[len(head) :]):
        cost = len(line.encode()) + 1
        if size + cost > budget:
            break
        tail.append(line)
        size += cost
    return "\n".join([*head, SHORTENED, *reversed(tail)])
