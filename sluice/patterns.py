"""User-supplied regexes and globs on RE2, whose matching time is linear in the text matched.

Python's `re` backtracks: `(a+)+$` or the glob `*a*a*a*a*b` take exponential or high
polynomial time on a short path. RE2 takes O(len(text) * program size) for any pattern, so
patterns from rules and agent configs are compiled here, with their length and program
size capped (internal constant regexes may stay on `re`).
"""

from __future__ import annotations

from typing import Any, Protocol

import re2

MAX_PATTERN_CHARS = 1000  # one regex, glob or suffix as written
MAX_PROGRAM_SIZE = 20_000  # RE2 instructions: the work per character of the text, at most
RE2_SYNTAX = "https://github.com/google/re2/wiki/Syntax"


class PatternError(ValueError):
    """A pattern RE2 cannot compile, or one over the limits; the message says which.

    `reason` is RE2's own words, without the hints (globs, which are not regexes, use it).
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class Regex(Protocol):
    """A compiled RE2 pattern (the `re2` module has no type hints)."""

    programsize: int

    def match(self, text: str) -> Any: ...

    def search(self, text: str) -> Any: ...


def check_length(text: str, what: str) -> str:
    """`text` if it is at most MAX_PATTERN_CHARS long; PatternError naming `what` if not."""
    if len(text) > MAX_PATTERN_CHARS:
        raise PatternError(f"a {what} is at most {MAX_PATTERN_CHARS} characters, got {len(text)}")
    return text


def compile_regex(pattern: str, *, case_sensitive: bool = True, dot_nl: bool = False) -> Regex:
    """`pattern` (RE2 syntax) compiled; PatternError says what RE2 lacks or what is too big."""
    options = re2.Options()
    options.log_errors = False  # the error is raised; RE2 would also print it to stderr
    options.case_sensitive = case_sensitive
    options.dot_nl = dot_nl
    try:
        compiled: Regex = re2.compile(pattern, options)
    except re2.error as exc:
        reason = _message(exc)
        raise PatternError(_explain(pattern, reason), reason) from None
    except UnicodeEncodeError:
        raise PatternError("is not valid Unicode text (it has a lone surrogate)") from None
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise PatternError(_too_large(compiled.programsize))
    return compiled


def literal(char: str) -> str:
    """`char` as an RE2 literal (any code point, including newlines)."""
    return char if char.isascii() and (char.isalnum() or char == "_") else f"\\x{{{ord(char):x}}}"


def matchable(text: str) -> str:
    """`text` with lone surrogates (undecodable file-name bytes) as U+FFFD, one for one.

    RE2 matches UTF-8, and such a path cannot be encoded; each becomes one character
    that `?`, `*` and `.` still match.
    """
    if text.isascii():
        return text
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _message(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else ""
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _explain(pattern: str, message: str) -> str:
    syntax = f"Sluice matches regexes with RE2, in time linear in the path: {RE2_SYNTAX}"
    if message.startswith("invalid escape sequence: \\") and message[-1:].isdigit():
        return f"backreferences such as {message.rsplit(' ', 1)[-1]} are not supported; {syntax}"
    if "(?P=" in pattern and message.startswith("invalid perl operator: (?P"):
        return f"backreferences such as (?P=name) are not supported; {syntax}"
    for opener, what in (("(?=", "lookahead"), ("(?!", "lookahead"), ("(?<=", "lookbehind"),
                         ("(?<!", "lookbehind"), ("(?>", "atomic groups")):  # fmt: skip
        if message == f"invalid perl operator: {opener}":
            return f"{what} ({opener}…) is not supported; {syntax}"
    if message.startswith("bad repetition operator: ") and message.endswith("+"):
        return f"possessive quantifiers ({message.rsplit(' ', 1)[-1]}) are not supported; {syntax}"
    if message == "invalid escape sequence: \\Z":
        return "\\Z is not supported: use \\z (or $) for the end of the path"
    if message == "pattern too large - compile failed":
        return _too_large(None)
    return f"{message} ({syntax})"


def _too_large(size: int | None) -> str:
    got = f" ({size} instructions)" if size is not None else ""
    return (
        f"is too large once compiled{got}: at most {MAX_PROGRAM_SIZE} RE2 instructions; "
        "use fewer or smaller repetitions and character classes"
    )
