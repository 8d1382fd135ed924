"""Ranking the knowledge index for a query, from its rarest words.

Query words are ORed, and at 100,000 entries a common word (`磁盘`, `error`) is in thousands
of them: scoring every entry that holds any word is what made a search slow, and on
PostgreSQL `ts_rank_cd`, which knows no word's rarity, let common words drown rare ones.
So a search first reads how many entries hold each of its words (`knowledge_fts_terms`),
takes as candidates the entries holding its rarest words (rarest first, until about
POSTINGS_BUDGET entries), and scores only those, with every known word of the query:
SQLite's `bm25()` (which weighs words by rarity itself) over `(rare words) AND (all words)`,
PostgreSQL a sum of each word's `ts_rank` weighted by its BM25 inverse document frequency.
Words no entry holds are left out; a query whose words are all rare is plain ORed words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlmodel import Session

POSTINGS_BUDGET = 2000  # entries the candidates' words may hold, together
TITLE_WEIGHT = 3.0  # FTS5 bm25() column weight of the title against the body's 1.0
# ts_rank's weights of the D, C, B, A labels: the title (A) 2.5 times the body (B).
PG_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"


@dataclass(frozen=True)
class Plan:
    selective: list[str]  # the rarest words: entries holding one of them are the candidates
    weights: dict[str, float]  # every known word of the query, by its inverse frequency


def plan(session: Session, terms: list[str]) -> Plan | None:
    """How to rank `terms` (distinct tokens); None when no entry holds any of them."""
    if not terms:
        return None
    query = text("SELECT term, entries FROM knowledge_fts_terms WHERE term IN :terms").bindparams(
        bindparam("terms", expanding=True)
    )
    held = {str(t): int(n) for t, n in session.execute(query, {"terms": [*terms, ""]})}
    total = max(held.pop("", 0), 1)
    known = sorted((t for t in terms if held.get(t, 0) > 0), key=lambda t: held[t])
    if not known:
        return None
    selective, postings = [known[0]], held[known[0]]
    for term in known[1:]:
        if postings + held[term] > POSTINGS_BUDGET:
            break
        selective.append(term)
        postings += held[term]
    weights = {t: math.log(1 + (total - held[t] + 0.5) / (held[t] + 0.5)) for t in known}
    return Plan(selective, weights)


def rank(
    session: Session, terms: list[str], *, statuses: tuple[str, ...], limit: int
) -> list[tuple[int, float]]:
    """Entries holding the query's rarest words, best first, with their full-text score
    (higher is better; scales differ between databases)."""
    planned = plan(session, terms)
    if planned is None:
        return []
    sql, params = rank_sql(session.get_bind().dialect.name, planned, statuses=statuses, limit=limit)
    return [(int(row[0]), float(row[1])) for row in session.execute(text(sql), params)]


def rank_sql(
    dialect: str, planned: Plan, *, statuses: tuple[str, ...], limit: int
) -> tuple[str, dict[str, object]]:
    """`rank`'s statement (`:name` parameters) and its parameters. Tokens are letters and
    digits only, so quoting them into a query is safe whatever the user typed."""
    params: dict[str, object] = {"limit": limit}
    for index, status in enumerate(statuses):
        params[f"s{index}"] = status
    in_statuses = ", ".join(f":s{index}" for index in range(len(statuses)))
    if dialect == "sqlite":
        rare = " OR ".join(f'"{t}"' for t in planned.selective)
        every = " OR ".join(f'"{t}"' for t in planned.weights)
        params["query"] = (
            rare if len(planned.selective) == len(planned.weights) else (f"({rare}) AND ({every})")
        )
        sql = (
            f"SELECT f.rowid, -bm25(knowledge_fts, {TITLE_WEIGHT}, 1.0) AS score "
            "FROM knowledge_fts f JOIN knowledge_entries e ON e.id = f.rowid "
            f"WHERE knowledge_fts MATCH :query AND e.status IN ({in_statuses}) "
            "ORDER BY score DESC, f.rowid LIMIT :limit"
        )
        return sql, params
    params["query"] = " | ".join(f"'{t}'" for t in planned.selective)
    parts = []
    for index, (term, weight) in enumerate(planned.weights.items()):
        params[f"t{index}"] = f"'{term}'"
        parts.append(
            f"{weight:.6f} * ts_rank(CAST('{PG_WEIGHTS}' AS float4[]), f.document, "
            f"CAST(:t{index} AS tsquery), 1)"
        )
    sql = (
        f"SELECT f.entry_id, {' + '.join(parts)} AS score "
        "FROM knowledge_fts f JOIN knowledge_entries e ON e.id = f.entry_id "
        f"WHERE f.document @@ CAST(:query AS tsquery) AND e.status IN ({in_statuses}) "
        "ORDER BY score DESC, f.entry_id LIMIT :limit"
    )
    return sql, params
