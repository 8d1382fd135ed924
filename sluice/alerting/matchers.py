"""Prometheus-style label matchers: `name=value`, `name!=value`, `name=~regex`, `name!~regex`.

Regexes are fully anchored and run on RE2 (sluice.patterns), so a matcher from a request,
a route or a silence cannot backtrack. A missing label matches as the empty string, as in
Alertmanager.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sluice.patterns import PatternError, check_length, compile_regex

MATCHER = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)(.*)", re.DOTALL)
MAX_MATCHERS = 20


@dataclass(frozen=True)
class Matcher:
    text: str
    name: str
    test: Callable[[str], bool] = field(compare=False)

    def __call__(self, labels: Mapping[str, Any]) -> bool:
        return self.test(str(labels.get(self.name, "")))


def parse_matchers(texts: Sequence[str]) -> list[Matcher]:
    if len(texts) > MAX_MATCHERS:
        raise ValueError(f"at most {MAX_MATCHERS} label matchers, got {len(texts)}")
    return [parse_matcher(text) for text in texts]


def parse_matcher(text: str) -> Matcher:
    """A label matcher; ValueError (PatternError) saying what is wrong."""
    found = MATCHER.fullmatch(text)
    if found is None:
        raise ValueError(f"label matcher {text[:100]!r}: expected name=value, !=, =~ or !~")
    name, op, value = found.groups()
    value = _unquoted(value.strip())
    if op in ("=", "!="):
        equal = op == "="
        return Matcher(text, name, lambda v: (v == value) == equal)
    try:
        regex = compile_regex(f"^(?:{check_length(value, 'label regex')})$")
    except PatternError as exc:
        raise ValueError(f"label matcher {text[:100]!r}: {exc.reason}") from None
    positive = op == "=~"
    return Matcher(text, name, lambda v: (regex.search(v) is not None) == positive)


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, Any]) -> bool:
    return all(matcher(labels) for matcher in matchers)


def _unquoted(value: str) -> str:
    """`"x"` → `x`, as Alertmanager's matchers may be written; anything else unchanged."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value
