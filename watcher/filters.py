"""Which paths under a root are candidates: temp suffixes, include suffixes, hidden files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class FileFilter:
    temp_suffixes: Sequence[str]
    include_suffixes: Sequence[str] = ()
    include_hidden: bool = False

    def accepts(self, rel_path: str) -> bool:
        """True if the file at `rel_path` (relative to its root) should be shipped."""
        path = PurePosixPath(rel_path)
        if not self.include_hidden and any(part.startswith(".") for part in path.parts):
            return False
        name = path.name.lower()
        if any(name.endswith(suffix.lower()) for suffix in self.temp_suffixes):
            return False
        return not self.include_suffixes or any(
            name.endswith(suffix.lower()) for suffix in self.include_suffixes
        )
