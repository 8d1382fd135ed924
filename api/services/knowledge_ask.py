"""`knowledge:ask`: retrieve the entries the search ranks first and have the LLM answer from
them only; its citations are checked against what was retrieved (others are dropped and
reported), cited entries counted, and every ask recorded (when, cited how many, degraded)
for the weekly citation rate. Without an LLM, or when it fails, the ranked entries are the
answer (`degraded`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session, col

from api.services import knowledge_llm
from sluice.llm import LlmFailed
from sluice.settings import AiSettings
from store.knowledge import SearchHit, search
from store.models import KnowledgeAsk, KnowledgeEntry
from store.models.knowledge import KEY_PREFIX

TOP = 5  # entries retrieved for an answer
CITATION = re.compile(r"\s?\[\s*KB-(\d{1,12})\s*\]", re.IGNORECASE)


@dataclass
class AskOutcome:
    ask_id: int
    hits: list[SearchHit]
    answer: str = ""
    cited: list[KnowledgeEntry] = field(default_factory=list)
    invalid_citations: list[str] = field(default_factory=list)
    degraded: bool = False
    error_class: str | None = None


def ask(
    session: Session,
    *,
    question: str,
    labels: Mapping[str, str],
    ai: AiSettings,
    actor: str,
    language: str = "",
) -> AskOutcome:
    hits = search(session, query=question, labels=labels, limit=TOP)
    entries = [hit.entry for hit in hits]
    outcome = AskOutcome(ask_id=0, hits=hits)
    if not entries:
        outcome.degraded, outcome.error_class = True, "no_entries"
    else:
        try:
            text = knowledge_llm.answer(ai, question, entries, language=language)
        except LlmFailed as exc:
            outcome.degraded, outcome.error_class = True, exc.error_class
        else:
            outcome.answer, outcome.cited, outcome.invalid_citations = checked(text, entries)
    cited_ids = [entry.id for entry in outcome.cited]
    if cited_ids:
        session.execute(
            update(KnowledgeEntry)
            .where(col(KnowledgeEntry.id).in_(cited_ids))
            .values(cited=col(KnowledgeEntry.cited) + 1)
        )
    row = KnowledgeAsk(
        actor=actor, retrieved=len(entries), cited=len(cited_ids), degraded=outcome.degraded,
        error_class=outcome.error_class or "",
    )  # fmt: skip
    session.add(row)
    session.commit()
    outcome.ask_id = row.id or 0
    for entry in entries:  # their counters as they are now
        session.refresh(entry)
    return outcome


def checked(
    text: str, entries: list[KnowledgeEntry]
) -> tuple[str, list[KnowledgeEntry], list[str]]:
    """The answer without citations of entries that were not retrieved, the entries it
    cites (in order of first citation), and the dropped citations (`KB-<n>`)."""
    retrieved = {entry.id: entry for entry in entries}
    cited: dict[int, KnowledgeEntry] = {}
    invalid: list[str] = []

    def keep(match: re.Match[str]) -> str:
        entry_id = int(match.group(1))
        entry = retrieved.get(entry_id)
        if entry is None:
            key = f"{KEY_PREFIX}{entry_id}"
            if key not in invalid:
                invalid.append(key)
            return ""
        cited.setdefault(entry_id, entry)
        return match.group(0).replace(match.group(0).strip(), f"[{KEY_PREFIX}{entry_id}]")

    answer = CITATION.sub(keep, text).strip()
    return answer, list(cited.values()), invalid
