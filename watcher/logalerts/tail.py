"""Follow one log file by (inode, offset): complete lines only, through rotation and truncation.

A position is where reading stopped in which file. When the path names another inode, the
file was rotated (renamed, a new one created): the rest of the old file is read first, found
by its inode among its neighbours, then the new file from its start. When the file shrinks
below the offset it was truncated (copytruncate): reading starts again from 0. A line longer
than `max_line` is cut there and the rest of it skipped, so no line costs unbounded memory;
bytes that are not UTF-8 become U+FFFD, and NUL too (PostgreSQL cannot store it).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger("sluice.agent")

READ_BUDGET = 1024 * 1024  # bytes per file per poll: a burst is read over several polls
CUT_MARK = "…"


@dataclass(frozen=True)
class Position:
    inode: int
    offset: int
    skipping: bool = False  # inside a cut line: drop bytes up to its newline


@dataclass(frozen=True)
class Lines:
    lines: list[str]
    position: Position | None  # None: the file is gone and nothing is known of it


def decode(raw: bytes, cut: bool) -> str:
    text = raw.rstrip(b"\r").decode("utf-8", "replace").replace("\x00", "\ufffd")
    return text + CUT_MARK if cut else text


def split_lines(
    data: bytes, skipping: bool, max_line: int, *, final: bool
) -> tuple[list[str], int, bool]:
    """Lines in `data`, how many bytes they used, and whether a cut line continues past it.

    `final`: no more bytes will come (a rotated file), so a last unterminated line counts.
    """
    lines: list[str] = []
    start = 0
    if skipping:
        newline = data.find(b"\n")
        if newline < 0:
            return lines, len(data), True
        start = newline + 1
    while (newline := data.find(b"\n", start)) >= 0:
        raw = data[start:newline]
        lines.append(decode(raw[:max_line], len(raw) > max_line))
        start = newline + 1
    rest = data[start:]
    if len(rest) > max_line:  # no newline yet, and already too long: cut it now
        lines.append(decode(rest[:max_line], True))
        return lines, len(data), True
    if final and rest:
        lines.append(decode(rest, False))
        return lines, len(data), False
    return lines, start, False


def read_from(path: str, position: Position, max_line: int, *, final: bool = False) -> Lines:
    """Complete lines of `path` after `position` (at most READ_BUDGET bytes of them)."""
    try:
        with open(path, "rb") as file:
            file.seek(position.offset)
            data = file.read(max(READ_BUDGET, max_line + 1))
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return Lines([], position)
    lines, used, skipping = split_lines(data, position.skipping, max_line, final=final)
    return Lines(lines, Position(position.inode, position.offset + used, skipping))


def find_inode(directory: str, inode: int) -> str | None:
    """The file in `directory` with `inode`: where a rotated log went (`app.log.1`)."""
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if entry.inode() == inode and entry.is_file(follow_symlinks=False):
                        return entry.path
                except OSError:
                    continue
    except OSError:
        return None
    return None


def follow(path: str, position: Position | None, max_line: int, *, from_end: bool) -> Lines:
    """The next lines of the log at `path`, from `position`, or (None) from its start or end.

    Bounded work per call: a caller polls again for the rest.
    """
    try:
        st = os.stat(path)
    except OSError:  # gone for now (renamed, not yet recreated): drain what it was
        rotated = position and find_inode(os.path.dirname(path), position.inode)
        if position is None or not rotated:
            return Lines([], position)
        return read_from(rotated, position, max_line)
    if position is None:
        return Lines([], Position(st.st_ino, st.st_size if from_end else 0))
    if st.st_ino != position.inode:
        rotated = find_inode(os.path.dirname(path), position.inode)
        if rotated is not None:
            rest = read_from(rotated, position, max_line, final=False)
            if rest.lines or (rest.position and rest.position.offset != position.offset):
                return rest  # drain the old file first; the new one waits for the next call
            # Drained: take its last unterminated line, then move on to the new file.
            tail = read_from(rotated, position, max_line, final=True)
            lines = tail.lines
        else:
            log.info("%s was replaced; the rest of the old file is not in its directory", path)
            lines = []
        fresh = read_from(path, Position(st.st_ino, 0), max_line)
        return Lines(lines + fresh.lines, fresh.position)
    if st.st_size < position.offset:
        log.info("%s was truncated; reading it from the start", path)
        position = Position(st.st_ino, 0)
    if st.st_size == position.offset:
        return Lines([], position)
    return read_from(path, position, max_line)
