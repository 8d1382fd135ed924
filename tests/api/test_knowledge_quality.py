"""Search quality on the labelled set in tests/data/knowledge (Chinese and English entries,
questions with the entries that answer them): recall@5 and MRR on SQLite and PostgreSQL,
with a floor, so a change that makes search worse fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine
from sqlmodel import Session

from api.services import knowledge as service
from store.knowledge import search

DATA = Path(__file__).parent.parent / "data" / "knowledge"
RECALL_AT_5_FLOOR = 0.9
MRR_FLOOR = 0.8


def load_set(session: Session) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Import the entries; the questions, and each document id's id in this database."""
    text = (DATA / "entries.yaml").read_text()
    document_ids = [item["id"] for item in yaml.safe_load(text)["entries"]]
    saved = service.import_entries(session, fmt="yaml", text=text, actor="tests")
    ids = {doc_id: entry.id or 0 for doc_id, entry in zip(document_ids, saved, strict=True)}
    questions = yaml.safe_load((DATA / "questions.yaml").read_text())["questions"]
    return questions, ids


def evaluate(session: Session) -> tuple[float, float, list[str]]:
    questions, ids = load_set(session)
    recall, reciprocal, misses = 0.0, 0.0, []
    for question in questions:
        wanted = {ids[doc_id] for doc_id in question["answers"]}
        ranked = [hit.entry.id for hit in search(session, query=question["q"], labels={}, limit=10)]
        found = wanted & set(ranked[:5])
        recall += len(found) / len(wanted)
        first = next((rank for rank, i in enumerate(ranked, start=1) if i in wanted), None)
        reciprocal += 1 / first if first else 0.0
        if len(found) < len(wanted):
            misses.append(f"{question['q']!r}: wanted {sorted(wanted)}, got {ranked[:5]}")
    return recall / len(questions), reciprocal / len(questions), misses


def test_recall_at_5_and_mrr_stay_above_the_floor(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        recall, mrr, misses = evaluate(session)
    dialect = db_engine.dialect.name
    print(f"\nknowledge search on {dialect}: recall@5 {recall:.3f}, MRR {mrr:.3f}")
    for miss in misses:
        print("  miss:", miss)
    assert recall >= RECALL_AT_5_FLOOR, misses
    assert mrr >= MRR_FLOOR, misses
