"""Path globs matched against a file's path relative to its watch root (posix separators).

`*` and `?` stay within one directory, `**` spans directories (`**/x` also matches `x` at the
top), `[abc]` / `[!abc]` are character classes. A glob must match the whole relative path.
Globs are translated to RE2 (sluice/patterns.py), so matching is linear in the path's length
whatever the glob: `*a*a*a*a*a*b` costs no more than `*.log` per character.
"""

from __future__ import annotations

from sluice.patterns import PatternError, Regex, compile_regex, literal


class GlobError(ValueError):
    """A glob that cannot be compiled, e.g. an unbalanced `[`."""


def glob_to_re2(glob: str) -> str:
    """The RE2 pattern equivalent to `glob` (anchored at its end; match it from the start)."""
    if not glob:
        raise GlobError("a glob must not be empty")
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        if glob.startswith("**", i):
            at_segment_start = i == 0 or glob[i - 1] == "/"
            if glob.startswith("**/", i) and at_segment_start:
                out.append("(?:.*/)?")
                i += 3
            else:
                out.append(".*")
                i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            cls, i = _char_class(glob, i)
            out.append(cls)
        elif char == "]":
            raise GlobError(f"unbalanced ']' at position {i} in {glob!r}")
        else:
            out.append(literal(char))
            i += 1
    return "".join(out) + r"\z"


def compile_glob(glob: str) -> Regex:
    """The RE2 regex equivalent to `glob` (use `.match`); raises GlobError when malformed."""
    try:
        return compile_regex(glob_to_re2(glob), dot_nl=True)
    except PatternError as exc:
        raise GlobError(f"invalid glob {glob!r}: {exc.reason}") from None


def _char_class(glob: str, start: int) -> tuple[str, int]:
    i = start + 1
    negate = i < len(glob) and glob[i] in "!^"
    if negate:
        i += 1
    members_start = i
    if i < len(glob) and glob[i] == "]":  # a leading ] is a member, as in fnmatch
        i += 1
    end = glob.find("]", i)
    if end == -1:
        raise GlobError(f"unbalanced '[' at position {start} in {glob!r}")
    members = glob[members_start:end].replace("\\", "\\\\").replace("^", "\\^")
    members = members.replace("[", "\\[").replace("]", "\\]")
    if "/" in members:
        raise GlobError(f"a character class cannot match '/' in {glob!r}")
    body = f"[^/{members}]" if negate else f"[{members}]"
    try:
        compile_regex(body)
    except PatternError as exc:
        raise GlobError(
            f"invalid character class {glob[start : end + 1]!r} in {glob!r}: {exc.reason}"
        ) from None
    return body, end + 1
