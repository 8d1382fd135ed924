"""`{field}` templates (step parameters, object keys): named fields, `{labels[name]}`, no more.

`str.format` would also follow attributes and indexes (`{name.__class__}`) and apply format
specs (`{name:>99999999}`), so these templates have their own small grammar: literal text,
`{{` and `}}` for literal braces, `{field}` for an allowed field and, where labels are
allowed, `{labels[<name>]}`. Pure and deterministic: object keys render inside workflows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_LABEL = re.compile(r"labels\[([^\[\]{}:!]+)\]")
LABEL_FIELD = "labels[<name>]"

# ("text", literal) | ("field", name) | ("label", label name)
Part = tuple[str, str]


class PlaceholderError(ValueError):
    """A template that uses something besides its allowed fields; the message names it."""


def parse(template: str, fields: Sequence[str], *, what: str = "template") -> list[Part]:
    """The parts of `template`; PlaceholderError naming every field outside `fields`.

    `fields` may include LABEL_FIELD to allow `{labels[<name>]}`.
    """
    parts: list[Part] = []
    unknown: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(template):
        if match.start() > pos:
            parts.append(("text", template[pos : match.start()]))
        pos = match.end()
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            parts.append(("text", token[0]))
        elif name is None:
            single = f"{what} {template!r} has a single {token!r}"
            raise PlaceholderError(f"{single}; write {token * 2} for a literal {token}")
        elif name == "":
            raise PlaceholderError(f"{what} {template!r} has an empty field {{}}; name it")
        elif name in fields and name != LABEL_FIELD:
            parts.append(("field", name))
        elif LABEL_FIELD in fields and (label := _LABEL.fullmatch(name)):
            parts.append(("label", label.group(1)))
        else:
            unknown.append(name)
    if unknown:
        raise PlaceholderError(_unknown(unknown, fields, what))
    if pos < len(template):
        parts.append(("text", template[pos:]))
    return parts


def render(parts: Sequence[Part], values: Mapping[str, Any]) -> str:
    """The parts with `values` filled in; a missing label renders as ""."""
    labels: Mapping[str, Any] = values.get("labels") or {}
    out = []
    for kind, text in parts:
        if kind == "text":
            out.append(text)
        elif kind == "label":
            out.append(str(labels.get(text, "")))
        else:
            out.append(str(values[text]))
    return "".join(out)


def _unknown(names: list[str], fields: Sequence[str], what: str) -> str:
    shown = ", ".join("{" + name + "}" for name in dict.fromkeys(names))
    message = f"unknown {what} field(s) {shown}; use {' '.join('{' + f + '}' for f in fields)}"
    if any(c in name for name in names for c in ".[:!"):
        message += " (no attributes, indexes, format specs or conversions)"
    return message
