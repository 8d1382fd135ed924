"""The `match:` block of a rule: which files (path, size, root, agent, time) a rule takes."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sluice.contracts import DetectedFile
from sluice.patterns import PatternError, Regex, check_length, compile_regex, matchable
from sluice.rules.globs import GlobError, compile_glob
from sluice.rules.units import Size, format_size
from sluice.rules.windows import TimeWindow, check_timezone, check_window, parse_window

MAX_PATTERNS = 100  # globs, and suffixes, in one rule


def _check_glob(glob: str) -> str:
    try:
        compile_glob(check_length(glob, "glob"))
    except (GlobError, PatternError) as exc:
        raise ValueError(str(exc)) from None
    return glob


def _check_regex(pattern: str) -> str:
    try:
        compile_regex(check_length(pattern, "regex"))
    except PatternError as exc:
        raise ValueError(f"invalid regex {pattern[:100]!r}: {exc}") from None
    return pattern


def _at_most_patterns(items: Any) -> Any:
    """Counted before each item is compiled, so 20,000 globs cost nothing to refuse."""
    if isinstance(items, list) and len(items) > MAX_PATTERNS:
        raise ValueError(f"at most {MAX_PATTERNS} per rule, got {len(items)}")
    return items


def _check_root(root: str) -> str:
    if not root.startswith("/"):
        raise ValueError(f"watch roots are absolute paths, got {root!r}")
    return _normalise_root(root)


def _check_suffix(suffix: str) -> str:
    if not suffix:
        raise ValueError("a suffix must not be empty")
    return check_length(suffix, "suffix")


def _normalise_root(root: str) -> str:
    return posixpath.normpath(root) if root.startswith("/") else root


Glob = Annotated[str, AfterValidator(_check_glob)]
Patterns = BeforeValidator(_at_most_patterns)


class MatchSpec(BaseModel):
    """Conditions a file must meet; all given conditions must hold, a list matches any item.

    An empty block matches every file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    globs: Annotated[list[Glob], Patterns] = Field(default_factory=list)
    regex: Annotated[str, AfterValidator(_check_regex)] | None = None
    suffixes: Annotated[list[Annotated[str, AfterValidator(_check_suffix)]], Patterns] = Field(
        default_factory=list
    )
    min_size: Size | None = None
    max_size: Size | None = None
    roots: list[Annotated[str, AfterValidator(_check_root)]] = Field(default_factory=list)
    agents: list[str] = Field(default_factory=list)
    agent_labels: dict[str, str] = Field(default_factory=dict)
    window: Annotated[str, AfterValidator(check_window)] | None = None
    timezone: Annotated[str, AfterValidator(check_timezone)] = "UTC"

    _globs: tuple[Regex, ...] = PrivateAttr(default=())
    _regex: Regex | None = PrivateAttr(default=None)
    _window: TimeWindow | None = PrivateAttr(default=None)

    @field_validator("max_size")
    @classmethod
    def _not_below_min_size(cls, max_size: int | None, info: ValidationInfo) -> int | None:
        min_size = info.data.get("min_size")
        if max_size is not None and min_size is not None and max_size < min_size:
            raise ValueError(
                f"max_size ({format_size(max_size)}) is smaller than min_size "
                f"({format_size(min_size)})"
            )
        return max_size

    @model_validator(mode="after")
    def _compile(self) -> MatchSpec:
        self._globs = tuple(compile_glob(glob) for glob in self.globs)
        self._regex = compile_regex(self.regex) if self.regex is not None else None
        self._window = parse_window(self.window) if self.window is not None else None
        return self

    def matches(self, file: DetectedFile, *, labels: Mapping[str, str], now: datetime) -> bool:
        """Whether `file`, seen by an agent with `labels`, at `now`, meets every condition."""
        path = file.rel_path
        text = matchable(path)  # RE2 reads UTF-8
        if self._globs and not any(glob.match(text) for glob in self._globs):
            return False
        if self._regex is not None and not self._regex.search(text):
            return False
        if self.suffixes and not path.endswith(tuple(self.suffixes)):
            return False
        if self.min_size is not None and file.size < self.min_size:
            return False
        if self.max_size is not None and file.size > self.max_size:
            return False
        if self.roots and _normalise_root(file.root) not in self.roots:
            return False
        if self.agents and file.agent_id not in self.agents:
            return False
        if any(labels.get(key) != value for key, value in self.agent_labels.items()):
            return False
        if self._window is not None:
            moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
            return self._window.contains(moment, ZoneInfo(self.timezone))
        return True
