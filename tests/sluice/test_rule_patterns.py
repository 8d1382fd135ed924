"""Rule patterns run on RE2, in work linear in the path; their count, length and size are capped."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sluice.contracts import DetectedFile
from sluice.patterns import MAX_PATTERN_CHARS, MAX_PROGRAM_SIZE, compile_regex
from sluice.rules import RuleError, parse_rule
from sluice.rules.globs import compile_glob

CATASTROPHIC_GLOB = "*a*a*a*a*a*a*a*a*a*a*a*b"  # 1.6 s per path on Python's re
CATASTROPHIC_REGEX = "(a+)+$"
MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SYNTAX = "Sluice matches regexes with RE2, in time linear in the path"


def rule(**match: Any) -> dict[str, Any]:
    return {"name": "r", "match": match, "pipeline": [{"upload": {}}]}


def error_of(document: dict[str, Any]) -> str:
    with pytest.raises(RuleError) as caught:
        parse_rule(document)
    return str(caught.value)


def matches(match: dict[str, Any], rel_path: str) -> bool:
    file = DetectedFile("web-01", "web-01", "/data", rel_path, 1, 0, MONDAY_NOON.isoformat())
    return parse_rule(rule(**match)).matches(file, labels={}, now=MONDAY_NOON)


@pytest.mark.parametrize(
    ("compile", "pattern"),
    [
        (compile_glob, CATASTROPHIC_GLOB),
        (compile_regex, CATASTROPHIC_REGEX),
        (compile_glob, "**/" * 300 + "x"),
        (compile_glob, "?" * MAX_PATTERN_CHARS),
    ],
    ids=["glob", "regex", "many-globstars", "longest-glob"],
)
def test_the_worst_patterns_cost_work_linear_in_the_path(
    compile: Callable[[str], Any], pattern: str
) -> None:
    # RE2 (an automaton, no backtracking) visits each program instruction at most once per
    # character of the path: work <= len(path) * programsize. Count that bound, not seconds.
    compiled = compile(pattern)
    assert type(compiled).__module__.startswith("re2")
    assert compiled.programsize <= 10 * len(pattern) + 20
    path = "a" * 4096  # PATH_MAX; no match either way
    assert len(path) * compiled.programsize <= 4096 * (10 * MAX_PATTERN_CHARS + 20)


def test_catastrophic_patterns_still_match_as_written() -> None:
    path = "a" * 24 + "!"
    assert not matches({"globs": [CATASTROPHIC_GLOB]}, path)
    assert matches({"globs": [CATASTROPHIC_GLOB]}, "a" * 11 + "b")
    assert not matches({"regex": CATASTROPHIC_REGEX}, "b" * 10_000 + "!")
    assert matches({"regex": CATASTROPHIC_REGEX}, path[:-1])


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("**", "a\nb/c", True),  # ** spans any character, newlines too
        ("*.log", "caf\u00e9.log", True),
        ("?.log", "\u00e9.log", True),  # one character, however many UTF-8 bytes
        ("*.log", "bad-\udcff-name.log", True),  # an undecodable byte in a file name
        ("$^{x}|\\.log", "$^{x}|\\.log", True),
        ("a.b", "axb", False),
        ("[.]log", ".log", True),
        ("[!a]", "/", False),
    ],
)
def test_glob_semantics_are_kept(glob: str, path: str, expected: bool) -> None:
    assert matches({"globs": [glob]}, path) is expected


@pytest.mark.parametrize(
    ("regex", "says"),
    [
        (r"(\w+)-\1\.log", r"backreferences such as \1 are not supported"),
        (r"(?P<n>\w+)-(?P=n)", "backreferences such as (?P=name) are not supported"),
        (r"(?=.*\.log)", "lookahead ((?=…) is not supported"),
        (r"(?<!tmp/)x", "lookbehind ((?<!…) is not supported"),
        (r"(?>a+)b", "atomic groups ((?>…) is not supported"),
        (r"a++b", "possessive quantifiers (++) are not supported"),
    ],
)
def test_regex_features_re2_lacks_are_refused_naming_the_field(regex: str, says: str) -> None:
    message = error_of(rule(regex=regex))
    assert message.startswith(f'rule "r": match.regex: invalid regex {regex!r}: {says}; {SYNTAX}')


def test_backslash_z_gets_a_hint_that_works() -> None:
    message = error_of(rule(regex=r"\.log\Z"))
    assert message.endswith(r"\Z is not supported: use \z (or $) for the end of the path")
    assert matches({"regex": r"\.log\z"}, "a.log")


@pytest.mark.parametrize(
    ("match", "says"),
    [
        ({"globs": ["*.log"] * 101}, "match.globs: at most 100 per rule, got 101"),
        ({"suffixes": [".log"] * 101}, "match.suffixes: at most 100 per rule, got 101"),
        ({"globs": ["x" * 1001]}, "match.globs[0]: a glob is at most 1000 characters, got 1001"),
        ({"suffixes": ["x" * 1001]}, "match.suffixes[0]: a suffix is at most 1000 characters"),
        ({"regex": "x" * 1001}, "match.regex: invalid regex 'xxxx"),
        ({"regex": r"\pL{20}"}, "is too large once compiled (23924 instructions): at most "),
        ({"regex": r"(?:\pL{100}){10}"}, f"at most {MAX_PROGRAM_SIZE} RE2 instructions"),
    ],
)
def test_pattern_count_length_and_program_size_are_capped(match: dict[str, Any], says: str) -> None:
    assert says in error_of(rule(**match))
