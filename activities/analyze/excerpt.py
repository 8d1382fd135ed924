"""On the host: one pass over a log gives a bounded, masked excerpt and the built-in findings.

The excerpt keeps the head, the tail and windows around error lines, within a line and a
byte budget; secrets are masked before the text leaves the host.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable
from pathlib import Path

from activities.analyze.secrets import LineMasker
from sluice.actions import EXCERPT_MAX_BYTES, Excerpt, ExcerptRequest, LogFindings

MAX_LINE_CHARS = 1000

_LEVEL = re.compile(
    r"\[(emerg|alert|crit|error|warn|notice|info|debug)\]"
    r"|\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL)\b"
)
_LEVEL_NAMES = {
    "emerg": "FATAL", "alert": "FATAL", "crit": "FATAL", "critical": "FATAL", "fatal": "FATAL",
    "severe": "ERROR", "error": "ERROR", "warn": "WARN", "warning": "WARN", "notice": "INFO",
    "info": "INFO", "debug": "DEBUG", "trace": "DEBUG",
}  # fmt: skip
_ERRORISH = re.compile(
    r"Traceback \(most recent call last\)|\b\w*(Exception|Error)\b[:\s]|^Caused by:|panic:"
    r"|OutOfMemoryError|Killed process|segfault"
)
_EXCEPTION = re.compile(r"\b((?:[a-z_][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error))\b")
_SIGNATURES = {
    "java_oom": re.compile(r"java\.lang\.OutOfMemoryError"),
    "gc_overhead": re.compile(r"GC overhead limit exceeded"),
    "heap_dump": re.compile(r"Dumping heap to|HeapDumpOnOutOfMemoryError|java_pid\d+\.hprof"),
    "java_stack_trace": re.compile(r"^\s+at [\w$.<>]+\([^)]*\)"),
    "python_traceback": re.compile(r"^Traceback \(most recent call last\):"),
    "nginx_upstream_timeout": re.compile(r"upstream timed out"),
    "nginx_upstream_refused": re.compile(r"connect\(\) failed \(111: Connection refused\)"),
    "nginx_no_live_upstreams": re.compile(r"no live upstreams"),
    "oom_killer": re.compile(r"Out of memory: Kill(ed)? process|oom-kill"),
    "disk_full": re.compile(r"No space left on device"),
    "connection_refused": re.compile(r"Connection refused"),
}
_NORMALIZE = [
    (re.compile(r"^\S*\d{2}[:/-]\d{2}[:/-]\d{2,4}\S*\s+(\S*\d{2}:\d{2}:\d{2}\S*\s+)?"), ""),
    (re.compile(r"0x[0-9a-fA-F]+|\b[0-9a-f]{8,}\b"), "#"),
    (re.compile(r"\d+"), "#"),
]


def level_of(line: str) -> str:
    match = _LEVEL.search(line)
    if not match:
        return ""
    return _LEVEL_NAMES[(match.group(1) or match.group(2)).lower()]


def is_error(line: str, level: str) -> bool:
    return level in ("ERROR", "FATAL") or bool(_ERRORISH.search(line))


def _signature_key(line: str) -> str:
    for pattern, replacement in _NORMALIZE:
        line = pattern.sub(replacement, line)
    return line.strip()[:200]


def extract(path: Path, req: ExcerptRequest) -> Excerpt:
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        return excerpt_lines(handle, req)


def excerpt_lines(lines: Iterable[str], req: ExcerptRequest) -> Excerpt:
    """The excerpt and findings of `lines` (one pass, memory bounded by the budgets)."""
    max_lines, ctx = req.max_lines, req.context_lines
    head_n = max(1, max_lines // 5)
    tail_n = max(1, max_lines // 5)
    window_budget = max_lines - head_n - tail_n
    picked: dict[int, str] = {}
    before: deque[tuple[int, str]] = deque(maxlen=ctx)
    tail: deque[tuple[int, str]] = deque(maxlen=tail_n)
    after_until = -1
    levels: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    examples: dict[str, str] = {}
    exceptions: Counter[str] = Counter()
    signatures: list[str] = []
    first_error = ""
    number = -1
    mask = LineMasker(emails=req.mask_emails)
    for number, raw in enumerate(lines):
        line = mask(raw.rstrip("\n")[:MAX_LINE_CHARS])
        level = level_of(line)
        if level:
            levels[level] += 1
        for name, pattern in _SIGNATURES.items():
            if name not in signatures and pattern.search(line):
                signatures.append(name)
        error = is_error(line, level)
        if error:
            first_error = first_error or line
            key = _signature_key(line)
            errors[key] += 1
            examples.setdefault(key, line)
            exceptions.update(_EXCEPTION.findall(line))
        if number < head_n:
            picked[number] = line
        elif error and window_budget > 0:
            for n, text in before:
                if n not in picked:
                    picked[n] = text
                    window_budget -= 1
            picked[number] = line
            window_budget -= 1
            after_until = number + ctx
        elif number <= after_until and window_budget > 0:
            picked[number] = line
            window_budget -= 1
        before.append((number, line))
        tail.append((number, line))
    for n, text in tail:
        picked.setdefault(n, text)
    total = number + 1
    text, used, truncated = _join(picked, total, min(req.max_bytes, EXCERPT_MAX_BYTES))
    findings = LogFindings(
        total_lines=total,
        levels=dict(levels),
        top_errors=[[str(count), examples[key]] for key, count in errors.most_common(5)],
        signatures=signatures,
        first_error=first_error,
        exception_types=[name for name, _ in exceptions.most_common(5)],
    )
    return Excerpt(text, used, truncated or used < total, findings)


def _join(picked: dict[int, str], total: int, max_bytes: int) -> tuple[str, int, bool]:
    out: list[str] = []
    size, used, previous = 0, 0, -1
    for n in sorted(picked):
        if n != previous + 1:
            out.append(f"… ({n - previous - 1} lines skipped) …")
        line = f"{n + 1}: {picked[n]}"
        cost = len(line.encode()) + 1
        if size + cost > max_bytes:
            return "\n".join(out), used, True
        out.append(line)
        size += cost
        used += 1
        previous = n
    if previous < total - 1:
        out.append(f"… ({total - previous - 1} lines skipped) …")
    return "\n".join(out), used, False
