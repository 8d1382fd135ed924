"""Walk the roots for files that events missed, skipping what is known to be unchanged."""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path

from watcher.filters import FileFilter

Version = tuple[int, int]  # (size, mtime_ns)

_EMPTY = 0
_NO_VERSION = -1  # size of an entry whose version does not fit 64 bits: matches no file
_MASK64 = (1 << 64) - 1


class VersionIndex:
    """Path → version in flat arrays: 25 bytes a slot, 40-75 a path, no objects per path.

    An open-addressing hash table on a 64-bit hash of the path (`hash(str)`, SipHash with a
    per-process key; the index is rebuilt from the spool at every start, so the key never has
    to be stable). Versions are stored exactly, so a changed file always looks changed; a
    wrong "unchanged" would need two paths with the same 64-bit hash *and* the same size and
    mtime. The spool, not this index, is the record of what was handled.

    Every lookup or store marks the path's slot; `drop_unmarked` after a full walk forgets
    paths the walk did not see (files that are gone).
    """

    def __init__(self, capacity: int = 64) -> None:
        self._count = 0
        self._allocate(max(64, 1 << (capacity - 1).bit_length()))

    def __len__(self) -> int:
        return self._count

    def get(self, path: str) -> Version | None:
        slot = self._slot(_hash(path))
        if self._keys[slot] == _EMPTY:
            return None
        self._marks[slot] = 1
        return self._sizes[slot], self._mtimes[slot]

    def matches(self, path: str, version: Version) -> bool:
        """True if `path` is stored with exactly `version` (a scan's hot path: no tuple built)."""
        slot = self._slot(_hash(path))
        if self._keys[slot] == _EMPTY:
            return False
        self._marks[slot] = 1
        return self._sizes[slot] == version[0] and self._mtimes[slot] == version[1]

    def set(self, path: str, version: Version) -> None:
        if 3 * (self._count + 1) > 2 * len(self._keys):
            self._resize(2 * len(self._keys))
        key = _hash(path)
        slot = self._slot(key)
        if self._keys[slot] == _EMPTY:
            self._keys[slot] = key
            self._count += 1
        self._marks[slot] = 1
        try:
            self._sizes[slot], self._mtimes[slot] = version
        except OverflowError:  # an mtime past 2262: never "unchanged", the spool decides
            self._sizes[slot], self._mtimes[slot] = _NO_VERSION, 0

    def reserve(self, count: int) -> None:
        """Make room for `count` paths at once (a bulk load), instead of doubling repeatedly."""
        wanted = 1 << (3 * count // 2).bit_length()
        if wanted > len(self._keys):
            self._resize(wanted)

    def clear(self) -> None:
        self._count = 0
        self._allocate(64)

    def clear_marks(self) -> None:
        self._marks = bytearray(len(self._keys))

    def drop_unmarked(self) -> int:
        """Forget every path not looked up or stored since `clear_marks`; returns how many."""
        kept = self._marks.count(1)  # only occupied slots are ever marked
        dropped = self._count - kept
        if dropped:
            self._resize(max(64, 1 << (3 * kept // 2).bit_length()), marked_only=True)
        return dropped

    def _slot(self, key: int) -> int:
        """The slot holding `key`, or the empty slot where it belongs (linear probing)."""
        keys, mask = self._keys, len(self._keys) - 1
        slot = key & mask
        while (found := keys[slot]) != key and found != _EMPTY:
            slot = (slot + 1) & mask
        return slot

    def _allocate(self, capacity: int) -> None:
        self._keys = array("Q", bytes(8 * capacity))
        self._sizes = array("q", bytes(8 * capacity))
        self._mtimes = array("q", bytes(8 * capacity))
        self._marks = bytearray(capacity)

    def _resize(self, capacity: int, *, marked_only: bool = False) -> None:
        keys, sizes, mtimes, marks = self._keys, self._sizes, self._mtimes, self._marks
        self._allocate(capacity)
        self._count = 0
        for old, key in enumerate(keys):
            if key != _EMPTY and (marks[old] or not marked_only):
                slot = self._slot(key)
                self._keys[slot], self._marks[slot] = key, marks[old]
                self._sizes[slot], self._mtimes[slot] = sizes[old], mtimes[old]
                self._count += 1


def _hash(path: str) -> int:
    return (hash(path) & _MASK64) or 1  # 0 marks an empty slot


class SeenFiles:
    """Files already handled or already refused, so a rescan of an unchanged file costs a stat.

    Refusals depend on the filters, so they are dropped when the filters change.
    """

    def __init__(self) -> None:
        self.handled = VersionIndex()
        self.refused = VersionIndex()

    def unchanged(self, path: str, version: Version) -> bool:
        """True if `path` was handled or refused at this version; marks it as still present.

        A refusal of a path whose handled version matches is left unmarked, so the next full
        walk forgets it: it is stale.
        """
        if self.handled.matches(path, version):
            return True
        return len(self.refused) > 0 and self.refused.matches(path, version)

    def start_full_walk(self) -> None:
        self.handled.clear_marks()
        self.refused.clear_marks()

    def forget_unmarked(self) -> None:
        """After a full walk: forget files the walk did not see (they no longer exist)."""
        self.handled.drop_unmarked()
        self.refused.drop_unmarked()


def walk_files(
    root: Path,
    top: Path,
    file_filter: FileFilter,
    unreadable: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, os.stat_result]]:
    """Regular files under `top` (inside `root`), not descending into excluded directories.

    Directory symlinks are not followed; a file symlink is reported with its target's stat
    and checked against the root by the caller. A directory that cannot be read is passed
    to `unreadable` and skipped.
    """
    root_prefix = len(str(root)) + 1
    stack = [str(top)]
    while stack:
        directory = stack.pop()
        try:
            entries = os.scandir(directory)
        except PermissionError:
            if unreadable is not None:
                unreadable(directory)
            continue
        except OSError:
            continue  # vanished meanwhile
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
