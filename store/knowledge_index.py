"""The knowledge full-text index (`knowledge_fts`, made by migration 0012): written beside
each entry in the caller's transaction, and queried for a BM25-style ranking.

Both databases index the same pre-segmented tokens (sluice.knowledge.text), so Chinese is
searchable without a database-side segmenter: on SQLite an FTS5 table (rowid = entry id)
ranked by `bm25()`, titles weighted 3:1; on PostgreSQL a tsvector built from the tokens
as a literal (the work the 'simple' configuration would do — lowercasing — is done already,
and no parser can re-split a Chinese word), titles weight A and the rest B, ranked by
`ts_rank_cd`. Tokens are letters and digits only, so quoting them into a query is safe
whatever the user typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from sluice.knowledge.text import tokens
from store.models.knowledge import KnowledgeEntry

TITLE_WEIGHT = 3.0  # FTS5 bm25() column weight of the title against the body's 1.0
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 256  # and the most positions it keeps for one lexeme


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
    tokens come from `entry_tokens`, perhaps computed once for several databases); does
    not commit."""
    sqlite = _is_sqlite(session)
    rows: Sequence[dict[str, Any]] = [
        {"id": entry_id, "title": " ".join(title), "body": " ".join(body)}
        if sqlite
        else {"id": entry_id, "document": tsvector_literal(title, body)}
        for entry_id, title, body in indexed
    ]
    if rows:
        session.execute(text(_INSERT_SQLITE if sqlite else _INSERT_POSTGRESQL), rows)


def delete(session: Session, entry_id: int) -> None:
    column = "rowid" if _is_sqlite(session) else "entry_id"
    session.execute(text(f"DELETE FROM knowledge_fts WHERE {column} = :id"), {"id": entry_id})


def rank(
    session: Session, terms: list[str], *, statuses: tuple[str, ...], limit: int
) -> list[tuple[int, float]]:
    """Entries holding any of `terms` (tokens from sluice.knowledge.text), best first, with
    their full-text score (higher is better; scales differ between databases)."""
    if not terms:
        return []
    sql, params = rank_sql(session.get_bind().dialect.name, terms, statuses=statuses, limit=limit)
    return [(int(row[0]), float(row[1])) for row in session.execute(text(sql), params)]


def rank_sql(
    dialect: str, terms: list[str], *, statuses: tuple[str, ...], limit: int
) -> tuple[str, dict[str, object]]:
    """`rank`'s statement (`:name` parameters) and its parameters, for non-empty `terms`."""
    params: dict[str, object] = {"limit": limit}
    status_names = []
    for index, status in enumerate(statuses):
        params[f"s{index}"] = status
        status_names.append(f":s{index}")
    in_statuses = ", ".join(status_names)
    if dialect == "sqlite":
        params["query"] = " OR ".join(f'"{term}"' for term in terms)
        sql = (
            f"SELECT f.rowid, -bm25(knowledge_fts, {TITLE_WEIGHT}, 1.0) AS score "
            "FROM knowledge_fts f JOIN knowledge_entries e ON e.id = f.rowid "
            f"WHERE knowledge_fts MATCH :query AND e.status IN ({in_statuses}) "
            "ORDER BY score DESC, f.rowid LIMIT :limit"
        )
    else:
        params["query"] = " | ".join(f"'{term}'" for term in terms)
        sql = (
            "SELECT f.entry_id, ts_rank_cd(f.document, q.query, 1) AS score "
            "FROM knowledge_fts f JOIN knowledge_entries e ON e.id = f.entry_id, "
            "(SELECT CAST(:query AS tsquery) AS query) q "
            f"WHERE f.document @@ q.query AND e.status IN ({in_statuses}) "
            "ORDER BY score DESC, f.entry_id LIMIT :limit"
        )
    return sql, params
