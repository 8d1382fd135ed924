"""Which paths under a root are candidates: suffixes, globs, excluded dirs, temp, hidden, size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from sluice.patterns import Regex, compile_regex, literal, matchable
from sluice.settings import AgentSettings


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> Regex:
    """`*` and `?` stay inside one path segment, `**/` spans directories (zero or more).

    A pattern without a `/` matches the file name at any depth, as in .gitignore. Pushed
    from the control plane, so compiled by RE2: linear in the path whatever the pattern.
    """
    if "/" not in pattern:
        pattern = "**/" + pattern
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(literal(pattern[i]))
            i += 1
    return compile_regex("".join(out) + r"\z", case_sensitive=False)


def glob_matches(pattern: str, rel_path: str) -> bool:
    return glob_regex(pattern).match(matchable(rel_path)) is not None


@dataclass(frozen=True)
class FileFilter:
    temp_suffixes: Sequence[str]
    include_suffixes: Sequence[str] = ()
    include_hidden: bool = False
    include_globs: Sequence[str] = ()
    exclude_dirs: Sequence[str] = ()
    exclude_globs: Sequence[str] = ()
    min_size: int = 0
    max_size: int | None = None
    _lower_temp: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lower_temp", tuple(s.lower() for s in self.temp_suffixes))

    @classmethod
    def from_settings(cls, cfg: AgentSettings) -> FileFilter:
        return cls(
            temp_suffixes=tuple(cfg.temp_suffixes),
            include_suffixes=tuple(cfg.include_suffixes),
            include_hidden=cfg.include_hidden,
            include_globs=tuple(cfg.include_globs),
            exclude_dirs=tuple(d.strip("/") for d in cfg.exclude_dirs),
            exclude_globs=tuple(cfg.exclude_globs),
            min_size=cfg.min_size,
            max_size=cfg.max_size,
        )

    def dir_excluded(self, rel_dir: str) -> bool:
        """True if nothing under directory `rel_dir` (relative to its root) is ever shipped."""
        parts = PurePosixPath(rel_dir).parts
        if not self.include_hidden and any(part.startswith(".") for part in parts):
            return True
        for excluded in self.exclude_dirs:
            if "/" in excluded:
                if rel_dir == excluded or rel_dir.startswith(excluded + "/"):
                    return True
            elif excluded in parts:
                return True
        return False

    def excluded(self, rel_path: str) -> bool:
        """Hidden or excluded (by directory or glob), include filters aside: what a host view
        of the files leaves out."""
        path = PurePosixPath(rel_path)
        if not self.include_hidden and path.name.startswith("."):
            return True
        parent = path.parent.as_posix()
        if parent != "." and self.dir_excluded(parent):
            return True
        return any(glob_matches(pattern, rel_path) for pattern in self.exclude_globs)

    def accepts(self, rel_path: str) -> bool:
        """True if the file at `rel_path` (relative to its root) should be shipped, size aside."""
        path = PurePosixPath(rel_path)
        parent = path.parent.as_posix()
        if not self.include_hidden and path.name.startswith("."):
            return False
        if parent != "." and self.dir_excluded(parent):
            return False
        name = path.name.lower()
        if name.endswith(self._lower_temp):
            return False
        if any(glob_matches(pattern, rel_path) for pattern in self.exclude_globs):
            return False
        if not self.include_suffixes and not self.include_globs:
            return True
        return any(name.endswith(s.lower()) for s in self.include_suffixes) or any(
            glob_matches(pattern, rel_path) for pattern in self.include_globs
        )

    def accepts_size(self, size: int) -> bool:
        return size >= self.min_size and (self.max_size is None or size <= self.max_size)
