"""Host views of files, on real directories: paging, filters, symlinks, tail, follow, search."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities.host_views.files import FileListActivities
from activities.host_views.text import TextActivities
from sluice.contracts.host_files import (
    FOLLOW_MAX_BYTES,
    MAX_LINE_CHARS,
    READ_MANY_MAX,
    READ_MANY_MIN_BYTES,
    ListDir,
    ReadFrom,
    ReadMany,
    SearchFile,
    TailFile,
)
from watcher.filters import FileFilter


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "root"
    (base / "logs").mkdir(parents=True)
    (base / ".secret").mkdir()
    (base / "cache").mkdir()
    (base / "logs" / "app.log").write_text("".join(f"line {i}\n" for i in range(1, 101)))
    (base / "logs" / ".hidden.log").write_text("x\n")
    (base / "logs" / "skip.tmp").write_text("x\n")
    (base / "bin.dat").write_bytes(b"abc\0def\n")
    (tmp_path / "outside.txt").write_text("outside\n")
    os.symlink(tmp_path / "outside.txt", base / "escape.txt")
    return base


def rule() -> FileFilter:
    return FileFilter(temp_suffixes=(".tmp",), exclude_dirs=("cache",))


def error_of(call: object) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()  # type: ignore[operator]
    return caught.value.type or ""


def test_a_listing_follows_the_filters_and_pages(root: Path) -> None:
    files = FileListActivities([root], rule)
    page = files.list_dir(ListDir(str(root)))
    assert [(e.name, e.type) for e in page.entries] == [
        ("logs", "dir"), ("bin.dat", "file"), ("escape.txt", "link_out"),
    ]  # fmt: skip
    assert page.entries[2].size is None  # nothing about where it leads
    logs = files.list_dir(ListDir(str(root), "logs"))
    assert [(e.name, e.watched) for e in logs.entries] == [("app.log", True), ("skip.tmp", False)]
    first = files.list_dir(ListDir(str(root), "", limit=1))
    second = files.list_dir(ListDir(str(root), "", cursor=first.next_cursor, limit=2))
    assert [e.name for e in first.entries + second.entries] == ["logs", "bin.dat", "escape.txt"]
    assert second.next_cursor == ""


def test_paths_outside_hidden_or_excluded_are_refused(root: Path) -> None:
    files = FileListActivities([root], rule)
    text = TextActivities([root], rule)
    assert error_of(lambda: files.list_dir(ListDir(str(root), "../"))) == "invalid_input"
    assert error_of(lambda: files.list_dir(ListDir("/etc"))) == "invalid_input"
    assert error_of(lambda: files.list_dir(ListDir(str(root), ".secret"))) == "invalid_input"
    assert error_of(lambda: files.list_dir(ListDir(str(root), "cache"))) == "invalid_input"
    with pytest.raises(ApplicationError) as caught:
        text.tail_file(TailFile(str(root), "escape.txt"))
    assert "outside.txt" not in str(caught.value) and "a symlink leads out" in str(caught.value)
    assert error_of(lambda: text.tail_file(TailFile(str(root), "logs/.hidden.log"))) == (
        "invalid_input"
    )
    assert error_of(lambda: text.tail_file(TailFile(str(root), "nope.log"))) == "not_found"
    assert error_of(lambda: text.tail_file(TailFile(str(root), "logs"))) == "invalid_input"
    assert error_of(lambda: text.tail_file(TailFile(str(root), "bin.dat"))) == "binary_file"


def test_tail_then_follow_reads_new_lines_and_starts_over_after_truncation(root: Path) -> None:
    text = TextActivities([root], rule)
    log = root / "logs" / "app.log"
    tail = text.tail_file(TailFile(str(root), "logs/app.log", lines=3))
    assert tail.lines == ["line 98", "line 99", "line 100"]
    assert text.read_from(ReadFrom(str(root), "logs/app.log", tail.offset, tail.inode)).lines == []
    with log.open("a") as handle:
        handle.write("token=hunter2 new\npartial")
    more = text.read_from(ReadFrom(str(root), "logs/app.log", tail.offset, tail.inode))
    assert more.lines == ["token=*** new"]  # masked; the partial line waits for its newline
    log.write_text("fresh\n")
    again = text.read_from(ReadFrom(str(root), "logs/app.log", more.offset, more.inode))
    assert again.reset and again.lines == ["fresh"]


def test_enormous_lines_are_cut(root: Path) -> None:
    text = TextActivities([root], rule)
    (root / "huge.log").write_bytes(b"a" * (FOLLOW_MAX_BYTES * 3) + b"\nend\n")
    tail = text.tail_file(TailFile(str(root), "huge.log"))
    assert tail.lines[-1] == "end" and tail.partial
    start = text.read_from(ReadFrom(str(root), "huge.log", 0))
    assert start.cut_lines == 1 and len(start.lines[0]) < MAX_LINE_CHARS + 100
    assert start.offset == FOLLOW_MAX_BYTES


def test_a_read_until_stops_where_another_read_stopped(root: Path) -> None:
    """A follow catching up to the shared poll (api/services/follow_hub.py) reads no further
    than the poll did, even mid-line (the poll cut an enormous line there)."""
    text = TextActivities([root], rule)
    (root / "grow.log").write_bytes(b"one\ntwo\nthree\nfour\n")
    upto = text.read_from(ReadFrom(str(root), "grow.log", 4, until=14))
    assert (upto.lines, upto.offset) == (["two", "three"], 14)
    mid = text.read_from(ReadFrom(str(root), "grow.log", 4, until=10))
    assert (mid.lines, mid.offset) == (["two", "th"], 10)
    rest = text.read_from(ReadFrom(str(root), "grow.log", 14, until=14))  # at it: no bound
    assert (rest.lines, rest.offset) == (["four"], 19)


def test_one_read_of_several_files_shares_the_bytes_and_fails_per_file(root: Path) -> None:
    text = TextActivities([root], rule)
    (root / "big.log").write_bytes(b"x" * 99 + b"\n" + b"y" * (FOLLOW_MAX_BYTES * 2) + b"\n")
    reads = [
        ReadFrom(str(root), "logs/app.log", 0),
        ReadFrom(str(root), "big.log", 100),
        ReadFrom(str(root), "missing.log", 0),
        ReadFrom(str(root), "bin.dat", 0),
    ]
    got = text.read_many(ReadMany(reads))
    app, big, missing, binary = got.answers
    assert app.lines is not None and app.lines.lines[-1] == "line 100"
    assert big.lines is not None and big.lines.offset == 100 + FOLLOW_MAX_BYTES // 4
    assert (missing.lines, missing.error_class) == (None, "not_found")
    assert (binary.lines, binary.error_class) == (None, "binary_file")
    many = [ReadFrom(str(root), "big.log", 100)] * READ_MANY_MAX
    [first, *_] = text.read_many(ReadMany(many)).answers
    assert first.lines is not None and first.lines.offset == 100 + READ_MANY_MIN_BYTES
    with pytest.raises(ApplicationError, match="at most"):
        text.read_many(ReadMany(many + many[:1]))


def test_search_by_keyword_and_regex_with_line_numbers_and_masking(root: Path) -> None:
    text = TextActivities([root], rule)
    log = root / "logs" / "app.log"
    with log.open("a") as handle:
        handle.write("ERROR password=abc123 failed\n")
    found = text.search_file(SearchFile(str(root), "logs/app.log", "line 1?7$", regex=True))
    assert [(m.line, m.text) for m in found.matches] == [(7, "line 7"), (17, "line 17")]
    error = text.search_file(SearchFile(str(root), "logs/app.log", "error"))
    assert [(m.line, m.text) for m in error.matches] == [(101, "ERROR password=*** failed")]
    probe = text.search_file(SearchFile(str(root), "logs/app.log", "password=abc"))
    assert probe.matches == []  # the secret cannot be guessed through the search
    capped = text.search_file(SearchFile(str(root), "logs/app.log", "line", max_matches=5))
    assert len(capped.matches) == 5 and capped.stopped_by == "matches"


def test_a_backtracking_regex_is_linear_or_refused(root: Path) -> None:
    text = TextActivities([root], rule)
    (root / "evil.log").write_text("a" * 50_000 + "!\n")
    found = text.search_file(SearchFile(str(root), "evil.log", "(a+)+$", regex=True))
    assert found.matches == [] and found.complete
    assert (
        error_of(lambda: text.search_file(SearchFile(str(root), "evil.log", "(a)\\1", regex=True)))
        == "invalid_pattern"
    )


def test_a_search_stops_at_its_time_bound(root: Path) -> None:
    ticks = iter(range(1000))
    text = TextActivities([root], rule, clock=lambda: float(next(ticks)))
    found = text.search_file(SearchFile(str(root), "logs/app.log", "zzz"))
    assert not found.complete and found.stopped_by == "time"
