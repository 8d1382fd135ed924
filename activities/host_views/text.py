"""Host views of a text file: its tail, new lines since an offset (follow) and a search.

Every answer is bounded (bytes read, lines, line length, matches, time) and masked the way an
analysis excerpt is (activities/analyze/secrets.py), since it leaves the host.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.analyze.secrets import LineMasker
from activities.errors import failure, os_failure
from activities.host_views.access import FilterSource, HostPaths, binary_refusal, looks_binary
from sluice.contracts.host_files import (
    BINARY_SNIFF_BYTES,
    FOLLOW_MAX_BYTES,
    MAX_LINE_CHARS,
    READ_FROM,
    READ_MANY,
    READ_MANY_MAX,
    READ_MANY_MIN_BYTES,
    SEARCH_FILE,
    SEARCH_MAX_BYTES,
    SEARCH_MAX_MATCHES,
    SEARCH_MAX_QUERY,
    SEARCH_MAX_SECONDS,
    TAIL_FILE,
    TAIL_MAX_BYTES,
    TAIL_MAX_LINES,
    Lines,
    ManyLines,
    Match,
    ReadAnswer,
    ReadFrom,
    ReadMany,
    SearchFile,
    SearchResult,
    TailFile,
)
from sluice.patterns import PatternError, compile_regex

_READ_LINE_BYTES = 64 * 1024  # a search matches a longer line piece by piece


def _decoded(raw: bytes, masker: LineMasker) -> tuple[str, bool]:
    """A line as shown: decoded, masked, cut at MAX_LINE_CHARS (and whether it was)."""
    text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
    cut = len(text) > MAX_LINE_CHARS
    if cut:
        text = f"{text[:MAX_LINE_CHARS]}… [cut: {len(text) - MAX_LINE_CHARS} more characters]"
    return masker(text), cut


def _shown(chunks: Sequence[bytes]) -> tuple[list[str], int]:
    masker = LineMasker()
    lines, cut = [], 0
    for raw in chunks:
        text, was_cut = _decoded(raw, masker)
        lines.append(text)
        cut += was_cut
    return lines, cut


class TextActivities:
    """Runs on `sluice-host-<agent>`; sync, so reads run on the host worker's threads."""

    def __init__(
        self,
        roots: Sequence[Path],
        file_filter: FilterSource | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._paths = HostPaths(roots, file_filter)
        self._clock = clock

    @activity.defn(name=TAIL_FILE)
    def tail_file(self, req: TailFile) -> Lines:
        """The last `lines` lines, read from at most the file's last TAIL_MAX_BYTES."""
        path = self._paths.regular_file(req.root, req.rel_path)
        wanted = max(1, min(req.lines, TAIL_MAX_LINES))
        try:
            with path.open("rb") as handle:
                st = os.fstat(handle.fileno())
                start = max(0, st.st_size - TAIL_MAX_BYTES)
                handle.seek(start)
                data = handle.read(st.st_size - start)
        except OSError as exc:
            raise os_failure(exc, req.rel_path) from None
        if looks_binary(data[-BINARY_SNIFF_BYTES:]) or looks_binary(data[:BINARY_SNIFF_BYTES]):
            raise binary_refusal(req.rel_path)
        end = data.rfind(b"\n") + 1  # complete lines only: the rest comes with a follow
        if end == 0 and len(data) < TAIL_MAX_BYTES:
            end = len(data)  # one unterminated line: show it (a follow picks up after it)
        body = data[:end] if end else data
        chunks = body.splitlines(keepends=True)
        if start > 0 and len(chunks) > 1:
            chunks = chunks[1:]  # the first one began before the window
        lines, cut = _shown(chunks[-wanted:])
        offset = start + (end or len(data))
        return Lines(lines, offset, st.st_ino, st.st_size, cut, partial=start > 0)

    @activity.defn(name=READ_FROM)
    def read_from(self, req: ReadFrom) -> Lines:
        """Complete lines written since `offset`; a truncated or rotated file starts over."""
        return self._read_from(req, FOLLOW_MAX_BYTES)

    @activity.defn(name=READ_MANY)
    def read_many(self, req: ReadMany) -> ManyLines:
        """`read_from` for several files (one agent's follows) in one activity."""
        if len(req.reads) > READ_MANY_MAX:
            raise failure("invalid_input", f"at most {READ_MANY_MAX} files in one read")
        cap = max(READ_MANY_MIN_BYTES, FOLLOW_MAX_BYTES // max(1, len(req.reads)))
        answers = []
        for read in req.reads:
            try:
                answers.append(ReadAnswer(self._read_from(read, cap)))
            except ApplicationError as exc:
                answers.append(ReadAnswer(None, exc.message, exc.type or "error"))
        return ManyLines(answers)

    def _read_from(self, req: ReadFrom, cap: int) -> Lines:
        path = self._paths.regular_file(req.root, req.rel_path)
        try:
            with path.open("rb") as handle:
                st = os.fstat(handle.fileno())
                offset, reset = req.offset, False
                if offset < 0:
                    return Lines([], st.st_size, st.st_ino, st.st_size)
                if offset > st.st_size or (req.inode and req.inode != st.st_ino):
                    offset, reset = 0, True
                stop = min(st.st_size, req.until) if req.until > offset else st.st_size
                handle.seek(offset)
                data = handle.read(min(stop - offset, cap))
        except OSError as exc:
            raise os_failure(exc, req.rel_path) from None
        if looks_binary(data):
            raise binary_refusal(req.rel_path)
        end = data.rfind(b"\n") + 1
        if end == 0 and len(data) == cap:
            end = len(data)  # an enormous line: shown cut, the rest follows as another
        if req.until > offset and offset + len(data) == req.until:
            end = len(data)  # `until` is where another read stopped: a line boundary for it
        lines, cut = _shown(data[:end].splitlines(keepends=True))
        return Lines(lines, offset + end, st.st_ino, st.st_size, cut, reset=reset)

    @activity.defn(name=SEARCH_FILE)
    def search_file(self, req: SearchFile) -> SearchResult:
        """Lines matching a keyword or an RE2 regex (linear time), masked, with numbers.

        A line matches only if it still matches once masked, so a search cannot probe a
        secret's value character by character.
        """
        matches = _matcher(req)
        path = self._paths.regular_file(req.root, req.rel_path)
        limit = max(1, min(req.max_matches, SEARCH_MAX_MATCHES))
        deadline = self._clock() + SEARCH_MAX_SECONDS
        result = SearchResult()
        masker = LineMasker()
        try:
            with path.open("rb") as handle:
                if looks_binary(handle.read(BINARY_SNIFF_BYTES)):
                    raise binary_refusal(req.rel_path)
                handle.seek(0)
                line_no, whole = 0, True
                while True:
                    stop = _bound(result, limit, deadline, self._clock)
                    raw = handle.readline(_READ_LINE_BYTES) if not stop else b""
                    if not raw:
                        result.complete, result.stopped_by = not stop, stop
                        return result
                    line_no += whole  # a piece of a long line keeps its number
                    whole = raw.endswith(b"\n")
                    result.bytes_read += len(raw)
                    result.lines_read = line_no
                    text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
                    if matches(text):
                        shown, _ = _decoded(raw, masker)
                        if matches(shown):
                            result.matches.append(Match(line_no, shown))
                    else:
                        masker(text)  # keep a PEM block's state
        except OSError as exc:
            raise os_failure(exc, req.rel_path) from None


def _bound(result: SearchResult, limit: int, deadline: float, clock: Callable[[], float]) -> str:
    if len(result.matches) >= limit:
        return "matches"
    if result.bytes_read >= SEARCH_MAX_BYTES:
        return "bytes"
    if clock() > deadline:
        return "time"
    return ""


def _matcher(req: SearchFile) -> Callable[[str], bool]:
    if not req.query or len(req.query) > SEARCH_MAX_QUERY:
        raise failure("invalid_pattern", f"a query has 1 to {SEARCH_MAX_QUERY} characters")
    if not req.regex:
        if req.case_sensitive:
            return lambda text: req.query in text
        wanted = req.query.casefold()
        return lambda text: wanted in text.casefold()
    try:
        regex = compile_regex(req.query, case_sensitive=req.case_sensitive)
    except PatternError as exc:
        raise failure("invalid_pattern", f"regex {req.query!r}: {exc}") from None
    return lambda text: regex.search(text) is not None
