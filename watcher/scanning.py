"""Walk the roots for files that events missed, skipping what is known to be unchanged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from watcher.filters import FileFilter

Version = tuple[int, int]  # (size, mtime_ns)


class SeenFiles:
    """Path → version of files already handled or already refused, so a rescan costs a stat.

    Refusals depend on the filters, so they are dropped when the filters change.
    """

    def __init__(self) -> None:
        self.handled: dict[str, Version] = {}
        self.refused: dict[str, Version] = {}

    def unchanged(self, path: str, version: Version) -> bool:
        return self.handled.get(path) == version or self.refused.get(path) == version

    def keep_only(self, present: set[str]) -> None:
        """Forget files that no longer exist (called after a full walk)."""
        self.handled = {p: v for p, v in self.handled.items() if p in present}
        self.refused = {p: v for p, v in self.refused.items() if p in present}


def walk_files(
    root: Path, top: Path, file_filter: FileFilter
) -> Iterator[tuple[str, os.stat_result]]:
    """Regular files under `top` (inside `root`), not descending into excluded directories.

    Directory symlinks are not followed; a file symlink is reported with its target's stat
    and checked against the root by the caller.
    """
    root_prefix = len(str(root)) + 1
    stack = [str(top)]
    while stack:
        directory = stack.pop()
        try:
            entries = os.scandir(directory)
        except OSError:
            continue  # vanished or unreadable; start-up already refused unreadable roots
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not file_filter.dir_excluded(entry.path[root_prefix:]):
                            stack.append(entry.path)
                    elif entry.is_file():
                        yield entry.path, entry.stat()
                except OSError:
                    continue
