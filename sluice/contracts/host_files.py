"""Host views of an agent's files (list, tail, follow, search): the activities' names,
arguments and limits. Arguments and answers are small JSON dataclasses, bounded here."""

from __future__ import annotations

from dataclasses import dataclass, field

LIST_DIR = "host_list_dir"
TAIL_FILE = "host_tail_file"
READ_FROM = "host_read_from"
READ_MANY = "host_read_many"
SEARCH_FILE = "host_search_file"

LIST_MAX_LIMIT = 500  # entries per page
LIST_MAX_SCAN = 100_000  # entries read from one directory; more are reported as cut
TAIL_MAX_LINES = 2000
TAIL_MAX_BYTES = 512 * 1024  # a tail reads at most the file's last 512 KiB
FOLLOW_MAX_BYTES = 256 * 1024  # one follow poll reads at most this much new data
READ_MANY_MAX = 16  # files in one shared poll of an agent (host_read_many); more: several
READ_MANY_MIN_BYTES = 16 * 1024  # each file's share of FOLLOW_MAX_BYTES in one, at least
MAX_LINE_CHARS = 2000  # a longer line is cut, and says so
SEARCH_MAX_BYTES = 64 * 1024 * 1024  # a search reads at most this much of the file
SEARCH_MAX_MATCHES = 1000
SEARCH_MAX_SECONDS = 5.0
SEARCH_MAX_QUERY = 1000  # characters, as sluice/patterns.py allows a regex
BINARY_SNIFF_BYTES = 8192


@dataclass
class ListDir:
    root: str
    rel_path: str = ""  # "" is the root itself
    cursor: str = ""  # the last entry of the previous page ("" for the first)
    limit: int = 200


@dataclass
class DirEntry:
    name: str
    type: str  # dir, file, link_out (a symlink leaving the roots), other
    size: int | None = None
    mtime: str | None = None  # ISO 8601, UTC
    watched: bool = False  # the agent's filters would ship it


@dataclass
class DirPage:
    root: str
    rel_path: str
    entries: list[DirEntry]
    next_cursor: str = ""  # "" on the last page
    cut: bool = False  # the directory has more than LIST_MAX_SCAN entries


@dataclass
class TailFile:
    root: str
    rel_path: str
    lines: int = 200


@dataclass
class ReadFrom:
    """New complete lines since `offset` (-1: the end, to start following)."""

    root: str
    rel_path: str
    offset: int = -1
    inode: int = 0  # the file followed so far; another one (rotation) starts from 0
    until: int = 0  # > 0: read no further than this offset (a follow catching up to another)


@dataclass
class Lines:
    lines: list[str]
    offset: int  # where the next read starts
    inode: int
    size: int
    cut_lines: int = 0  # lines longer than MAX_LINE_CHARS, cut
    partial: bool = False  # a tail that read only the file's last TAIL_MAX_BYTES
    reset: bool = False  # the file was truncated or rotated: read again from its start


@dataclass
class ReadMany:
    """New lines of several files at once: the follows of one agent share one poll, and the
    files share FOLLOW_MAX_BYTES (each at least READ_MANY_MIN_BYTES; the rest comes next)."""

    reads: list[ReadFrom]


@dataclass
class ReadAnswer:
    """One file's answer in a ReadMany: its lines, or why there are none."""

    lines: Lines | None = None
    error: str = ""
    error_class: str = ""


@dataclass
class ManyLines:
    answers: list[ReadAnswer]  # in the order of the reads


@dataclass
class SearchFile:
    root: str
    rel_path: str
    query: str
    regex: bool = False
    case_sensitive: bool = False
    max_matches: int = 200


@dataclass
class Match:
    line: int  # 1-based
    text: str


@dataclass
class SearchResult:
    matches: list[Match] = field(default_factory=list)
    bytes_read: int = 0
    lines_read: int = 0
    complete: bool = True  # False: stopped at a bound (bytes, matches or time)
    stopped_by: str = ""  # bytes, matches, time


FILE_ANALYSIS_WORKFLOW = "FileAnalysisWorkflow"
FILE_ANALYSIS_PREFIX = "file-analysis-"


@dataclass
class FileAnalysisInput:
    """Analyse one file on an agent now: its excerpt on the host, the analysis centrally."""

    agent_id: str
    path: str  # absolute, inside one of the agent's roots
    language: str = "en"
    pickup_s: float = 10.0  # an agent that does not take the excerpt within this is offline
