"""Log keyword alert rules, as an agent's config states them (`agent.log_alerts`).

A rule follows files under the agent's roots (globs, as `include_globs`), matches lines by
keyword or RE2 regex, and reports a match as an alert; repeats of the same line (its
signature) within `suppress_window` are counted, not sent, and a match that persists
(`escalate_after` hits within `escalate_window`) raises an escalated alert. Pushed from
the control plane, so every pattern is checked here, at the edge.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from sluice.gowatchfile import seconds
from sluice.patterns import MAX_PATTERN_CHARS, PatternError, compile_regex

Seconds = Annotated[float, BeforeValidator(seconds), Field(ge=0, le=7 * 86400)]
Pattern = Annotated[str, Field(min_length=1, max_length=MAX_PATTERN_CHARS)]
Patterns = Annotated[list[Pattern], Field(max_length=100)]
LabelValue = Annotated[str, Field(max_length=1000)]

MAX_SIGNATURE_CHARS = 500
# What varies between repeats of one message: numbers, hex ids, spacing.
_VARIABLE = re.compile(r"0x[0-9a-f]+|[0-9a-f]{8,}|\d+(?:\.\d+)?", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class LogAlertRule(BaseModel):
    """One rule: which files, which lines, and what alert a match raises."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    title: str = Field(default="", max_length=500)  # the alert's summary
    paths: Annotated[list[Pattern], Field(min_length=1, max_length=20)]
    keywords: Patterns = []  # any one matches (a substring)
    regexes: Patterns = []  # any one matches (RE2 search)
    excludes: Patterns = []  # any one of these in the line: no match
    match_case: bool = True
    severity: str = Field(default="warning", max_length=256)
    labels: dict[Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")], LabelValue] = {}
    suppress_window: Seconds = 300.0
    escalate_after: int | None = Field(default=None, ge=2, le=100_000)
    escalate_window: Seconds = 600.0
    escalate_severity: str = Field(default="critical", max_length=256)

    @field_validator("regexes")
    @classmethod
    def _re2(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                compile_regex(pattern)
            except PatternError as exc:
                raise ValueError(f"regex {pattern[:80]!r}: {exc}") from None
        return value

    @field_validator("labels")
    @classmethod
    def _own_labels(cls, value: dict[str, str]) -> dict[str, str]:
        reserved = set(value) & RESERVED_LABELS
        if reserved:
            raise ValueError(f"labels set by the agent itself: {sorted(reserved)}")
        return value

    @model_validator(mode="after")
    def _something_to_match(self) -> LogAlertRule:
        if not self.keywords and not self.regexes:
            raise ValueError(f"rule {self.name!r} needs keywords or regexes")
        return self


class LogAlertSettings(BaseModel):
    """`agent.log_alerts`: the rules and how files are followed."""

    model_config = ConfigDict(extra="forbid")

    rules: Annotated[list[LogAlertRule], Field(max_length=100)] = []
    poll_interval: Annotated[float, BeforeValidator(seconds), Field(gt=0, le=3600)] = 2.0
    start_from_end: bool = True  # a file first seen at start-up is read from its end
    max_line_bytes: int = Field(default=16 * 1024, ge=256, le=1024 * 1024)
    max_files: int = Field(default=1000, ge=1, le=100_000)  # followed at once, all rules

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, value: list[LogAlertRule]) -> list[LogAlertRule]:
        names = [rule.name for rule in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"rule names are unique; repeated: {twice}")
        return value


RESERVED_LABELS = frozenset(
    {"alertname", "agent", "host", "path", "rule", "signature", "severity", "escalated"}
)


def normalise(line: str) -> str:
    """The line with what varies between repeats (numbers, ids, spacing) made alike."""
    return _SPACES.sub(" ", _VARIABLE.sub("#", line)).strip()[:MAX_SIGNATURE_CHARS]


def signature(rule: str, line: str) -> str:
    """The identity of a repeated message: its rule and its normalised text."""
    return hashlib.sha256(f"{rule}\0{normalise(line)}".encode()).hexdigest()[:16]
