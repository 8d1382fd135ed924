"""FileFilter: which files under a root are shipped (temp suffixes, include list, hidden)."""

import pytest
from pydantic import ValidationError

from sluice.settings import DEFAULT_TEMP_SUFFIXES, AgentSettings
from watcher.filters import FileFilter, glob_regex

DEFAULT = FileFilter(DEFAULT_TEMP_SUFFIXES)


@pytest.mark.parametrize(
    "suffix", [".tmp", ".part", ".crdownload", ".download", ".swp", ".swx", ".swpx"]
)
def test_files_still_being_written_are_not_shipped(suffix: str) -> None:
    assert not DEFAULT.accepts(f"report.pdf{suffix}")
    assert not DEFAULT.accepts(f"incoming/batch-7/report.pdf{suffix}")


@pytest.mark.parametrize("name", ["REPORT.PDF.PART", "movie.mkv.Tmp", "setup.exe.CRDOWNLOAD"])
def test_temp_suffixes_match_whatever_the_case(name: str) -> None:
    assert not DEFAULT.accepts(name)


@pytest.mark.parametrize("rel_path", ["report.pdf", "a/b/c/data.csv", "partial.csv", "tmp/x.txt"])
def test_finished_files_are_shipped(rel_path: str) -> None:
    assert DEFAULT.accepts(rel_path)


def test_include_suffixes_limit_shipping_to_those_types_in_any_case() -> None:
    only_csv = FileFilter(DEFAULT_TEMP_SUFFIXES, include_suffixes=[".csv", ".PDF"])
    assert only_csv.accepts("exports/day.csv")
    assert only_csv.accepts("EXPORTS/DAY.CSV")
    assert only_csv.accepts("scan.pdf")
    assert not only_csv.accepts("notes.txt")
    assert not only_csv.accepts("day.csv.part")  # an included type still waits to be finished


def test_hidden_files_and_hidden_directories_are_skipped_by_default() -> None:
    assert not DEFAULT.accepts(".DS_Store")
    assert not DEFAULT.accepts("projects/.git/config")
    assert not DEFAULT.accepts(".cache/data.csv")
    assert DEFAULT.accepts("projects/notes.v2.txt")  # a dot inside a name is not hidden


def test_include_hidden_ships_hidden_files_but_still_not_temp_files() -> None:
    everything = FileFilter(DEFAULT_TEMP_SUFFIXES, include_hidden=True)
    assert everything.accepts(".env")
    assert everything.accepts(".cache/data.csv")
    assert not everything.accepts(".cache/data.csv.swp")


def test_configured_temp_suffixes_match_whatever_their_case() -> None:
    upper = FileFilter([".PART", ".Tmp"])
    assert not upper.accepts("video.mkv.part")
    assert not upper.accepts("video.mkv.TMP")
    assert upper.accepts("video.mkv")


def test_pushed_globs_match_in_work_linear_in_the_path_and_are_bounded() -> None:
    glob = "*a" * 11 + "*b"  # seconds per path on a backtracking engine
    compiled = glob_regex(glob)
    # RE2: work per path character is at most the program size, which grows with the glob
    assert type(compiled).__module__.startswith("re2")
    assert compiled.programsize <= 10 * len(glob) + 40
    only = FileFilter(DEFAULT_TEMP_SUFFIXES, include_globs=[glob])
    assert not only.accepts("a" * 24 + "!")
    assert only.accepts("A" * 11 + "B")  # agent globs ignore case
    with pytest.raises(ValidationError, match=r"include_globs\.0"):
        AgentSettings(id="web-01", include_globs=["x" * 1001])
    with pytest.raises(ValidationError, match="exclude_globs"):
        AgentSettings(id="web-01", exclude_globs=["*.log"] * 101)
