"""Mask credentials in log lines before they leave the host: the whole secret, in every form."""

from __future__ import annotations

import re

MASK = "***"

# Names whose value is a secret, also inside longer names (AWS_SECRET_ACCESS_KEY, clientSecret,
# X-Api-Key, PGPASSWORD); "(?![a-z])" keeps `tokens`, `tokenizer`, `author` readable.
_SECRET_NAME = (
    r"[\w.-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey"
    r"|access[_-]?key|private[_-]?key|credentials?|authorization|cookie|signature|sig"
    r"|session[_-]?id)(?![a-z])(?:[_.-][\w.-]*)?"
)
# Quoted values end at their quote, or at the end of a line cut at MAX_LINE_CHARS.
_QUOTED = r"\\\"(?:(?!\\\").)*(?:\\\"|$)|\"(?:[^\"\\]|\\.)*(?:\"|$)|'[^']*(?:'|$)"
_ORDERED: list[tuple[re.Pattern[str], str]] = [
    # A PEM private key on one line (or with escaped newlines): to its END line, if any.
    (
        re.compile(
            r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)"
            r".*?(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)"
        ),
        rf"\1{MASK}\2",
    ),
    # A header's whole value (Bearer/Basic/Digest/cookies), unquoted: to the end of the line.
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization|(?:set-)?cookie|x-[\w-]*(?:token|key))"
            r"(\s*[=:]\s*)(?![\"'\\\s])[^\r\n]+"
        ),
        rf"\1\2{MASK}",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    # Basic credentials, but not prose ("Basic authentication"): base64 has a capital or digit.
    (
        re.compile(r"\b(Basic)\s+(?=[A-Za-z0-9+/][a-z]*[A-Z0-9+/=])[A-Za-z0-9+/]{8,}=*"),
        rf"\1 {MASK}",
    ),
    # Command-line options: --password hunter2, --api-key=...
    (
        re.compile(
            r"(?i)(\s--?[\w-]*?(?:password|passwd|token|secret|api[_-]?key)[\w-]*)(\s+|=)"
            r"(?!-)[^\s\"']+"
        ),
        rf"\1\2{MASK}",
    ),
]  # fmt: skip
_KEY_VALUE = re.compile(
    rf"(?i)\b({_SECRET_NAME})([\"'\\]*\s*(?:=>|[=:])\s*)({_QUOTED}|[^\s,;&\"'<>]+)"
)
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
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")


def _masked_value(match: re.Match[str]) -> str:
    value = match.group(3)
    quote = next((q for q in ('\\"', '"', "'") if value.startswith(q) and len(value) > 1), "")
    return f"{match.group(1)}{match.group(2)}{quote}{MASK}{quote}"


def mask(line: str, *, emails: bool = False) -> str:
    """`line` with every credential it carries replaced by ***."""
    for pattern, replacement in _ORDERED:
        line = pattern.sub(replacement, line)
    line = _KEY_VALUE.sub(_masked_value, line)
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
