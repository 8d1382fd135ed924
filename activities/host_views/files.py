"""Host view: one page of a directory inside the agent's roots, as its filters show it."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from temporalio import activity

from activities.errors import failure, os_failure
from activities.host_views.access import FilterSource, HostPaths, within
from sluice.contracts.host_files import (
    LIST_DIR,
    LIST_MAX_LIMIT,
    LIST_MAX_SCAN,
    DirEntry,
    DirPage,
    ListDir,
)

_ORDER = {"dir": "0", "file": "1", "link_out": "1", "other": "1"}  # directories first


class FileListActivities:
    """Runs on `sluice-host-<agent>`: only this host can see its directories."""

    def __init__(self, roots: Sequence[Path], file_filter: FilterSource | None = None) -> None:
        self._paths = HostPaths(roots, file_filter)

    @activity.defn(name=LIST_DIR)
    def list_dir(self, req: ListDir) -> DirPage:
        """Entries after `cursor`, directories first then by name, at most `limit`; hidden and
        excluded entries are left out, symlinks leaving the roots are shown but not followed."""
        root, target = self._paths.resolve(req.root, req.rel_path)
        if not target.is_dir():
            raise failure("invalid_input", f"{req.rel_path or req.root} is not a directory")
        limit = max(1, min(req.limit, LIST_MAX_LIMIT))
        base = PurePosixPath(req.rel_path) if req.rel_path not in ("", ".") else PurePosixPath()
        entries: list[tuple[str, DirEntry]] = []
        cut = False
        try:
            with os.scandir(target) as listing:
                for count, item in enumerate(listing):
                    if count >= LIST_MAX_SCAN:
                        cut = True
                        break
                    entry = self._entry(root, base, item)
                    if entry is not None:
                        entries.append((f"{_ORDER[entry.type]}/{entry.name}", entry))
        except OSError as exc:
            raise os_failure(exc, req.rel_path or req.root) from None
        entries.sort(key=lambda pair: pair[0])
        after = [pair for pair in entries if pair[0] > req.cursor] if req.cursor else entries
        page = after[:limit]
        more = len(after) > limit
        return DirPage(
            root=str(root),
            rel_path=base.as_posix() if base.parts else "",
            entries=[entry for _, entry in page],
            next_cursor=page[-1][0] if more and page else "",
            cut=cut,
        )

    def _entry(self, root: Path, base: PurePosixPath, item: os.DirEntry[str]) -> DirEntry | None:
        rel = (base / item.name).as_posix()
        try:
            is_link = item.is_symlink()
            if is_link and not within(root, Path(item.path)):
                return DirEntry(item.name, "link_out")  # where it leads stays unsaid
            st = item.stat()  # follows a symlink that stays inside
        except OSError:
            return DirEntry(item.name, "other")
        is_dir = stat.S_ISDIR(st.st_mode)
        if self._paths.hidden(rel, is_dir=is_dir):
            return None
        mtime = datetime.fromtimestamp(st.st_mtime, UTC).isoformat()
        if is_dir:
            return DirEntry(item.name, "dir", mtime=mtime)
        if not stat.S_ISREG(st.st_mode):
            return DirEntry(item.name, "other", mtime=mtime)
        rule = self._paths.filter()
        watched = rule.accepts(rel) and rule.accepts_size(st.st_size)
        return DirEntry(item.name, "file", st.st_size, mtime, watched)
