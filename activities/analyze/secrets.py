"""Mask credentials in log lines before they leave the host: the whole secret, in every form."""

from __future__ import annotations

import re

MASK = "***"

# A name whose value is a secret, also inside a longer name (AWS_SECRET_ACCESS_KEY,
# clientSecret, X-Api-Key, PGPASSWORD); "(?![a-z])" keeps `tokens`, `tokenizer`, `author`.
_SECRET_NAME = re.compile(
    r"(?i)(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|credentials?|authorization|cookie|signature|sig|session[_-]?id)(?![a-z])"
)
# Headers whose whole value is the credential (schemes, Digest parameters, cookie lists).
_HEADER = re.compile(r"(?i)(?:proxy-)?authorization|(?:set-)?cookie|x-[\w-]*(?:token|key)")
# Every name is matched from its first character only ("(?<!...)"), and checked afterwards,
# so matching stays linear in the line: hostile lines must not cost seconds.
_ASSIGNMENT = re.compile(r"(?<![\w.-])([\w.-]+)([\"'\\]*\s*(?:=>|[=:])\s*)")
_OPTION = re.compile(r"(?<!\S)(--?[\w-]+)(\s+|=)(?!-)([^\s\"']+)")
# Quoted values end at their quote, or at the end of a line cut at MAX_LINE_CHARS.
_VALUE = re.compile(
    r"\\\"(?:(?!\\\").)*(?:\\\"|$)|\"(?:[^\"\\]|\\.)*(?:\"|$)|'[^']*(?:'|$)|[^\s,;&\"'<>]+"
)
_ORDERED: list[tuple[re.Pattern[str], str]] = [
    # A PEM private key on one line (or with escaped newlines): to its END line, if any.
    (
        re.compile(
            r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)"
            r".*?(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)"
        ),
        rf"\1{MASK}\2",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    # Basic credentials, but not prose ("Basic authentication"): base64 has a capital or digit.
    (
        re.compile(r"\b(Basic)\s+(?=[A-Za-z0-9+/][a-z]*[A-Z0-9+/=])[A-Za-z0-9+/]{8,}=*"),
        rf"\1 {MASK}",
    ),
]
_SHAPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), f"eyJ{MASK}"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), rf"\1{MASK}"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), f"sk-{MASK}"),
    (re.compile(r"\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}"), rf"\1_\2_{MASK}"),
    (re.compile(r"\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}"), rf"\1{MASK}"),
    (re.compile(r"\b(xox[abposr]-)[A-Za-z0-9-]{10,}"), rf"\1{MASK}"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), f"AIza{MASK}"),
    (re.compile(r"(://[^/\s:@]+):[^/\s@]+@"), rf"\1:{MASK}@"),
]
_KEY_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----")
_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+\b")


def _masked_assignments(line: str) -> str:
    out: list[str] = []
    done = 0
    for match in _ASSIGNMENT.finditer(line):
        name, start = match.group(1), match.end()
        if match.start() < done:
            continue  # inside a value masked already
        header = _HEADER.fullmatch(name) is not None
        if not header and not _SECRET_NAME.search(name):
            continue
        if header and line[start : start + 1] not in ("", '"', "'", "\\"):
            end, quote = len(line), ""  # a header's value, unquoted: the rest of the line
        else:
            value = _VALUE.match(line, start)
            if value is None:
                continue
            end = value.end()
            text = value.group(0)
            quote = next((q for q in ('\\"', '"', "'") if text.startswith(q) and text != q), "")
        out += [line[done:start], quote, MASK, quote]
        done = end
    return "".join(out) + line[done:] if out else line


def _masked_option(match: re.Match[str]) -> str:
    if not _SECRET_NAME.search(match.group(1)):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{MASK}"


def mask(line: str, *, emails: bool = False) -> str:
    """`line` with every credential it carries replaced by ***."""
    for pattern, replacement in _ORDERED:
        line = pattern.sub(replacement, line)
    line = _OPTION.sub(_masked_option, line)
    line = _masked_assignments(line)
    for pattern, replacement in _SHAPES:
        line = pattern.sub(replacement, line)
    if emails:
        line = _EMAIL.sub("***@***", line)
    return line


class LineMasker:
    """Masks a file line by line; the lines of a PEM private key block are masked whole."""

    def __init__(self, *, emails: bool = False) -> None:
        self._emails = emails
        self._in_key = False

    def __call__(self, line: str) -> str:
        if self._in_key:
            end = _KEY_END.search(line)
            if end is None:
                return MASK
            self._in_key = False
            return MASK + end.group(0) + self._mask(line[end.end() :])
        if _KEY_BEGIN.search(line) and not _KEY_END.search(line):
            self._in_key = True
        return self._mask(line)

    def _mask(self, text: str) -> str:
        return mask(text, emails=self._emails)
