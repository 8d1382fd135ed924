"""A light check of Go templates (Prometheus label and annotation templates): actions balanced,
each starting with something Go's parser accepts, and blocks closed by `end`."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$")
_OPENS = {"if", "range", "with", "define", "block"}
_KEYWORDS = _OPENS | {"else", "end", "template", "break", "continue", "nil"}
# What an action may start with: a field or variable, a parenthesis, a literal, a comment.
_START = re.compile(r"""^(\.|\$|\(|"|'|`|[-+]?\d|/\*|true\b|false\b)""")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")


def valid_duration(value: object) -> bool:
    """A Prometheus duration like `5m`, `1h30m` or `0`."""
    text = str(value)
    return text == "0" or (bool(text) and _DURATION.match(text) is not None)


def template_problem(text: str) -> str:
    """Why `text` does not parse as a Go template, or "" when it looks right."""
    depth, pos = 0, 0
    while True:
        start = text.find("{{", pos)
        close = text.find("}}", pos)
        if start < 0:
            return "unexpected }} with no {{ before it" if close >= 0 else _unclosed(depth)
        if 0 <= close < start:
            return "unexpected }} with no {{ before it"
        end = text.find("}}", start + 2)
        if end < 0:
            return "unclosed action: {{ with no }}"
        action = text[start + 2 : end]
        if "{{" in action:
            return "unclosed action: {{ inside another {{"
        problem, change = _action(action)
        if problem:
            return problem
        depth += change
        if depth < 0:
            return "{{ end }} with no block open"
        pos = end + 2


def _unclosed(depth: int) -> str:
    return f"{depth} block(s) (if/range/with/define) not closed by {{{{ end }}}}" if depth else ""


def _action(action: str) -> tuple[str, int]:
    """(problem, change of block depth) for one action's text."""
    body = action.removeprefix("-").removesuffix("-").strip()
    if body.startswith("/*"):
        return ("", 0) if body.endswith("*/") else ("unclosed comment", 0)
    if not body:
        return "missing value for command: {{ }} is empty", 0
    word = _IDENT.match(body)
    if word:
        name = word.group()
        if name in _OPENS:
            return ("", 1) if body[len(name) :].strip() else (f"missing value for {name}", 0)
        if name == "end":
            return ("", -1) if body == "end" else ("unexpected text after end", 0)
        return "", 0  # else, template, a function call
    if _START.match(body):
        return "", 0
    return f"unexpected {body[:20]!r} in action", 0
