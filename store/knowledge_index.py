"""The knowledge full-text index (`knowledge_fts`, made by migration 0013, and the token
counts `knowledge_fts_terms`, migration 0019): written beside each entry in the caller's
transaction; store/knowledge_rank.py ranks with them.

Both databases index the same pre-segmented tokens (sluice.knowledge.text), so Chinese is
searchable without a database-side segmenter: on SQLite an FTS5 table (rowid = entry id);
on PostgreSQL a tsvector built from the tokens as a literal (the work the 'simple'
configuration would do — lowercasing — is done already, and no parser can re-split a
Chinese word), titles weight A and the rest B.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from sluice.knowledge.text import tokens
from store.models.knowledge import KnowledgeEntry

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 256  # and the most positions it keeps for one lexeme
MAX_TERM_CHARS = 200  # longer tokens are not counted (a search takes them as rare)


def body_text(entry: KnowledgeEntry) -> str:
    """Everything but the title that a question may name: the sections, tags and signature."""
    return "\n".join(
        [
            entry.symptoms,
            entry.cause,
            entry.resolution,
            " ".join(entry.tags),
            entry.sig_alertname,
            entry.sig_service,
            entry.sig_error,
        ]
    )


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def tsvector_literal(title: list[str], body: list[str]) -> str:
    """`'tok':1A,4A 'other':2B`: the tokens with positions, title A and body B."""
    positions: dict[str, list[str]] = {}
    for position, (token, weight) in enumerate(
        [(t, "A") for t in title] + [(t, "B") for t in body], start=1
    ):
        kept = positions.setdefault(token, [])
        if len(kept) < MAX_POSITIONS_PER_LEXEME:
            kept.append(f"{min(position, MAX_POSITION)}{weight}")
    return " ".join(f"'{token}':{','.join(places)}" for token, places in positions.items())


Indexed = tuple[int, list[str], list[str]]  # an entry's id, title tokens and body tokens

_INSERT_SQLITE = "INSERT INTO knowledge_fts (rowid, title, body) VALUES (:id, :title, :body)"
_INSERT_POSTGRESQL = (
    "INSERT INTO knowledge_fts (entry_id, document) VALUES (:id, CAST(:document AS tsvector))"
)


def entry_tokens(entry: KnowledgeEntry) -> Indexed:
    """What the index holds for `entry` (which has an id): its title's and body's tokens."""
    assert entry.id is not None
    return entry.id, tokens(entry.title), tokens(body_text(entry))


def write(session: Session, entry: KnowledgeEntry) -> None:
    """Index `entry` (replacing its previous text); flushes, does not commit."""
    assert entry.id is not None
    session.flush()
    indexed = entry_tokens(entry)
    delete(session, entry.id)
    write_many(session, [indexed])


def write_many(session: Session, indexed: Iterable[Indexed]) -> None:
    """Index entries that have no index rows yet, in one executemany (a bulk load: the
    tokens come from `entry_tokens`, perhaps computed once for several databases), and
    count their tokens in `knowledge_fts_terms`; does not commit."""
    sqlite = _is_sqlite(session)
    indexed = list(indexed)
    rows: Sequence[dict[str, Any]] = [
        {"id": entry_id, "title": " ".join(title), "body": " ".join(body)}
        if sqlite
        else {"id": entry_id, "document": tsvector_literal(title, body)}
        for entry_id, title, body in indexed
    ]
    if rows:
        session.execute(text(_INSERT_SQLITE if sqlite else _INSERT_POSTGRESQL), rows)
        _count_terms(session, [{*title, *body} for _, title, body in indexed], +1)


def delete(session: Session, entry_id: int) -> None:
    """Remove the entry's index row and its tokens' counts."""
    if _is_sqlite(session):
        row = session.execute(
            text("SELECT title, body FROM knowledge_fts WHERE rowid = :id"), {"id": entry_id}
        ).first()
        held = set(f"{row[0]} {row[1]}".split()) if row else None
        session.execute(text("DELETE FROM knowledge_fts WHERE rowid = :id"), {"id": entry_id})
    else:
        found = session.execute(
            text("SELECT tsvector_to_array(document) FROM knowledge_fts WHERE entry_id = :id"),
            {"id": entry_id},
        ).first()
        held = set(found[0]) if found else None
        session.execute(text("DELETE FROM knowledge_fts WHERE entry_id = :id"), {"id": entry_id})
    if held is not None:
        _count_terms(session, [held], -1)


_COUNT = (
    "INSERT INTO knowledge_fts_terms (term, entries) VALUES (:term, :n) "
    "ON CONFLICT (term) DO UPDATE SET entries = knowledge_fts_terms.entries + excluded.entries"
)


def _count_terms(session: Session, documents: list[set[str]], sign: int) -> None:
    """Add `sign` to the count of every token of each document (the empty term counts the
    documents), in term order so concurrent writers lock rows alike."""
    counts = Counter(t for tokens_ in documents for t in tokens_ if len(t) <= MAX_TERM_CHARS)
    counts[""] = len(documents)
    rows = [{"term": term, "n": sign * n} for term, n in sorted(counts.items())]
    session.execute(text(_COUNT), rows)
