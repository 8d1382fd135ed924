"""Following a log by (inode, offset) on a real filesystem: appends, partial lines, rotation
(rename + new file), truncation, cut long lines, bytes that are not text."""

from __future__ import annotations

import os
from pathlib import Path

from watcher.logalerts.tail import CUT_MARK, Lines, Position, follow

MAX = 256


def read_all(path: Path, position: Position | None, *, from_end: bool = False) -> Lines:
    """`follow` until it makes no more progress: what a few polls would read."""
    lines: list[str] = []
    while True:
        read = follow(str(path), position, MAX, from_end=from_end)
        lines += read.lines
        if read.position == position and not read.lines:
            return Lines(lines, position)
        position = read.position


def test_new_lines_are_read_once_and_a_partial_line_waits(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"old 1\nold 2\n")
    start = read_all(log, None, from_end=True)
    assert start.lines == [] and start.position == Position(log.stat().st_ino, 12)
    with log.open("ab") as out:
        out.write(b"new 1\r\nnew ")
    read = read_all(log, start.position)
    assert read.lines == ["new 1"]
    with log.open("ab") as out:
        out.write(b"2\n")
    again = read_all(log, read.position)
    assert again.lines == ["new 2"]
    assert read_all(log, None).lines == ["old 1", "old 2", "new 1", "new 2"]  # from the start


def test_rotation_reads_the_rest_of_the_old_file_then_the_new_one(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    position = read_all(log, None).position
    with log.open("ab") as out:
        out.write(b"b before rotation\nc unterminated")
    os.rename(log, tmp_path / "app.log.1")
    log.write_bytes(b"d in the new file\n")
    read = read_all(log, position)
    assert read.lines == ["b before rotation", "c unterminated", "d in the new file"]
    assert read.position == Position(log.stat().st_ino, log.stat().st_size)


def test_rotation_to_elsewhere_starts_the_new_file_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\n")
    position = read_all(log, None).position
    (tmp_path / "archive").mkdir()
    os.rename(log, tmp_path / "archive" / "app.log.gz")
    assert follow(str(log), position, MAX, from_end=True).position == position  # gone: wait
    log.write_bytes(b"fresh\n")
    assert read_all(log, position).lines == ["fresh"]


def test_truncation_reads_from_the_start_again(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a long first line\nanother\n")
    position = read_all(log, None).position
    log.write_bytes(b"after\n")  # same inode, smaller: copytruncate
    read = read_all(log, position)
    assert read.lines == ["after"]
    assert read.position == Position(log.stat().st_ino, 6)


def test_a_long_line_is_cut_and_its_rest_skipped_even_before_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"x" * 1000)  # no newline yet
    first = read_all(log, Position(log.stat().st_ino, 0))
    assert first.lines == ["x" * MAX + CUT_MARK]
    assert first.position is not None and first.position.skipping
    with log.open("ab") as out:
        out.write(b"y" * 500 + b"\nnext\n" + b"z" * 300 + b"\n")
    read = read_all(log, first.position)
    assert read.lines == ["next", "z" * MAX + CUT_MARK]
    assert read.position is not None and not read.position.skipping


def test_binary_bytes_become_replacement_characters(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"ok \xff\xfe\x00 ERROR \xe8\xae\xa2\xe5\x8d\x95\n")
    (line,) = read_all(log, None).lines
    assert line == "ok \ufffd\ufffd\ufffd ERROR 订单"
