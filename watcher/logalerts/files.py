"""Which files the log rules follow: their globs, inside the agent's roots and nowhere else.

A glob is relative to a root (`logs/*.log`, `**/app.log`; one without `/` matches the name at
any depth) or absolute under one (`/srv/inbox/logs/*.log`). Only the directory before the
first wildcard is walked, so `logs/*.log` does not walk the whole root; symlinks are not
followed out of it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from watcher.filters import glob_matches
from watcher.logalerts.rules import CompiledRule

WILDCARDS = frozenset("*?[")


def relative_glob(pattern: str, root: Path) -> str | None:
    """`pattern` relative to `root`, or None if it is absolute and names another tree."""
    if not pattern.startswith("/"):
        return pattern
    prefix = str(root).rstrip("/") + "/"
    return pattern[len(prefix) :] if pattern.startswith(prefix) else None


def static_dir(glob: str) -> str:
    """The part of a relative glob before its first wildcard segment ("" for the root)."""
    if "/" not in glob:
        return ""
    parts = glob.split("/")[:-1]
    fixed = []
    for part in parts:
        if any(c in WILDCARDS for c in part) or part in ("", ".", ".."):
            break
        fixed.append(part)
    return "/".join(fixed)


def followed_files(
    roots: Sequence[Path], rules: Sequence[CompiledRule], limit: int
) -> dict[str, list[CompiledRule]]:
    """Absolute path → the rules reading it, for at most `limit` files."""
    found: dict[str, list[CompiledRule]] = {}
    for root in roots:
        for rule in rules:
            for pattern in rule.rule.paths:
                glob = relative_glob(pattern, root)
                if glob is None:
                    continue
                for path in _walk(root, glob):
                    if path not in found and len(found) >= limit:
                        return found
                    owners = found.setdefault(path, [])
                    if rule not in owners:
                        owners.append(rule)
    return found


def _walk(root: Path, glob: str) -> list[str]:
    start = root / static_dir(glob)
    matched = []
    for directory, dirs, files in os.walk(start, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(directory, name)
            rel = os.path.relpath(full, root)
            if rel.startswith("..") or os.path.islink(full):
                continue
            if glob_matches(glob, rel):
                matched.append(full)
    return matched
