"""Search tokens for Chinese and English text, the same for entries and queries on every DB.

Chinese is segmented by jieba's search mode (words and their sub-words: 磁盘空间 → 磁盘, 空间,
磁盘空间), whose dictionary ships in its wheel, so nothing is fetched. Other text is split
into letter/digit runs, lowercased and lightly stemmed by the S-stemmer (Harman, 1991: plural
endings only — `errors` → `error`, `queries` → `query`), which merges forms without the
over-stemming of Porter's suffix rules on technical words. Function words are dropped.
Tokens are made only of letters and digits, so they can be quoted into an FTS5 query or a
tsvector/tsquery literal without any escaping questions.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

MAX_SEGMENTED_CHARS = 200_000  # longer text is cut; no entry field is allowed to be longer
# Longer runs are ids, hashes or noise, not words (PostgreSQL refuses lexemes over 2 KiB)
MAX_TOKEN_CHARS = 64
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z]+")
# camelCase and acronym boundaries: KafkaConsumerLag → Kafka Consumer Lag, OOMKilled → OOM Killed
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_STOPWORDS = (
    "a an and are as at be but by can do does for from has have how i if in into is it its "
    "my no not of on or our so that the their then there these this to was we were what when "
    "where which who why will with you your 的 了 和 是 在 有 我 我们 你 他 它 这 那 就 都 也 "
    "而 及 与 或 一个 怎么 怎么办 怎样 如何 什么 为什么 吗 呢 吧 啊 请问 一下"
)
STOPWORDS = frozenset(_STOPWORDS.split())

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def cache_dir() -> Path:
    """Where jieba keeps its parsed-dictionary cache: a temp dir, never site-packages."""
    return Path(tempfile.gettempdir()) / "sluice-jieba"


def _jieba() -> jieba.Tokenizer:
    """jieba's tokenizer, loaded once (about a second, then cached on disk), quietly: jieba
    logs its start-up to stderr at DEBUG by default."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.setLogLevel(logging.WARNING)
                directory = cache_dir()
                directory.mkdir(parents=True, exist_ok=True)
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = str(directory)
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def stem(word: str) -> str:
    """The S-stemmer on lowercase ASCII words longer than three letters; others unchanged."""
    if len(word) <= 3 or not _ASCII_WORD.fullmatch(word):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """`text` as search tokens, in order (search-mode segmentation repeats sub-words)."""
    if not text.strip():
        return []
    result = []
    for piece in _jieba().cut_for_search(text[:MAX_SEGMENTED_CHARS]):
        for word in _WORD.findall(piece):
            if len(word) > MAX_TOKEN_CHARS:
                continue
            parts = _CAMEL.split(word) if word.isascii() else []
            for part in [word, *parts] if len(parts) > 1 else [word]:
                part = part.lower()
                if part in STOPWORDS or (len(part) == 1 and part.isascii() and part.isalpha()):
                    continue
                result.append(stem(part))
    return result


def query_terms(text: str, limit: int = 64) -> list[str]:
    """A query's distinct tokens, first occurrence first, at most `limit`."""
    return list(dict.fromkeys(tokens(text)))[:limit]
