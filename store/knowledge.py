"""Knowledge search: an exact error signature first, then entries ranked by signature parts,
by label matchers and by full text (BM25), fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, cast, or_
from sqlmodel import Session, col, select

from sluice.alerting.matchers import matches_all, parse_matchers
from sluice.knowledge.fusion import reciprocal_rank_fusion
from sluice.knowledge.signature import normalise_error, signature_key
from sluice.knowledge.text import query_terms
from store import knowledge_rank
from store.models.knowledge import KEY_PREFIX, KnowledgeEntry, entry_key

CANDIDATES = 100  # taken from each ranking before fusion
MAX_MATCHER_SCAN = 5000  # entries with label matchers examined by one search


@dataclass(frozen=True)
class SearchHit:
    entry: KnowledgeEntry
    score: float  # fused; exact signature matches come first whatever it is
    exact_signature: bool
    signature_rank: int | None
    labels_rank: int | None
    text_rank: int | None
    text_score: float | None


def search(
    session: Session,
    *,
    query: str,
    labels: Mapping[str, str],
    statuses: tuple[str, ...] = ("published",),
    limit: int = 10,
    error: str | None = None,
) -> list[SearchHit]:
    """Entries answering `query` (free text, often an alert's error) for an alert with
    `labels` (may be empty), best first. `error`, when given, is the error text the
    signature is compared with (default: `query`)."""
    alertname, service = labels.get("alertname", ""), labels.get("service", "")
    error = query if error is None else error
    exact_key = signature_key(alertname, service, error)
    by_signature = _signature_ranking(session, alertname, service, error, statuses)
    by_labels = _label_ranking(session, labels, statuses) if labels else []
    by_text = knowledge_rank.rank(session, query_terms(query), statuses=statuses, limit=CANDIDATES)
    text_ids = [entry_id for entry_id, _ in by_text]
    signature_ids = [e.id for e in by_signature if e.id is not None]
    fused = reciprocal_rank_fusion([signature_ids, by_labels, text_ids])
    entries: dict[int | None, KnowledgeEntry] = {e.id: e for e in by_signature}
    # Exact signature matches come first and are loaded already, so only the best `limit`
    # of the fused order need their rows (not every candidate's: bodies are large).
    exact = {e.id for e in by_signature if exact_key and e.signature == exact_key}
    others = [entry_id for entry_id, _ in fused if entry_id not in exact]
    best = {entry_id for entry_id, _ in fused if entry_id in exact}
    best.update(others[: max(0, limit - len(best))])
    missing = [entry_id for entry_id in best if entry_id not in entries]
    if missing:
        rows = session.exec(select(KnowledgeEntry).where(col(KnowledgeEntry.id).in_(missing)))
        entries.update({row.id: row for row in rows})
    signature_rank = {entry_id: rank for rank, entry_id in enumerate(signature_ids, start=1)}
    labels_rank = {entry_id: rank for rank, entry_id in enumerate(by_labels, start=1)}
    text_rank = {entry_id: rank for rank, entry_id in enumerate(text_ids, start=1)}
    text_score = dict(by_text)
    hits = [
        SearchHit(
            entry=entries[entry_id],
            score=score,
            exact_signature=bool(exact_key) and entries[entry_id].signature == exact_key,
            signature_rank=signature_rank.get(entry_id),
            labels_rank=labels_rank.get(entry_id),
            text_rank=text_rank.get(entry_id),
            text_score=text_score.get(entry_id),
        )
        for entry_id, score in fused
        if entry_id in best and entry_id in entries
    ]
    hits.sort(key=lambda hit: not hit.exact_signature)  # stable: fused order otherwise
    return hits[:limit]


def _signature_ranking(
    session: Session, alertname: str, service: str, error: str, statuses: tuple[str, ...]
) -> list[KnowledgeEntry]:
    """Entries whose signature agrees with the alert's on some part, more agreeing parts
    first; an entry naming another alert name or service does not qualify."""
    normalised = normalise_error(error)
    # Indexed lookups only: the alert's name, its service, and the keys of every signature
    # that states the error with some of them.
    keys = {
        signature_key(name, svc, normalised) for name in {alertname, ""} for svc in {service, ""}
    } - {""}
    conditions: list[ColumnElement[bool]] = []
    if normalised:
        conditions.append(col(KnowledgeEntry.signature).in_(keys))
    if alertname:
        conditions.append(col(KnowledgeEntry.sig_alertname) == alertname)
    if service:
        conditions.append(col(KnowledgeEntry.sig_service) == service)
    if not conditions:
        return []
    # The status test is on an expression, so no planner picks the status index (nearly
    # every entry is published) over the signature ones: SQLite, which has no statistics
    # unless ANALYZE ran, did, and scanned every published entry on each search.
    unindexed_status = col(KnowledgeEntry.status) + ""
    query = (
        select(KnowledgeEntry)
        .where(or_(*conditions), unindexed_status.in_(statuses))
        .order_by(col(KnowledgeEntry.id))
        .limit(CANDIDATES * 10)
    )
    ranked = []
    for entry in session.exec(query):
        parts = (entry.sig_alertname, entry.sig_service, entry.sig_error)
        given = (alertname, service, normalised)
        # a different alert or service disqualifies; a different error only scores lower
        if any(mine and mine != theirs for mine, theirs in zip(parts[:2], given[:2], strict=True)):
            continue
        agreeing = sum(
            1 for mine, theirs in zip(parts, given, strict=True) if mine and mine == theirs
        )
        if agreeing:
            ranked.append((agreeing, entry))
    ranked.sort(key=lambda pair: -pair[0])
    return [entry for _, entry in ranked[:CANDIDATES]]


def _label_ranking(
    session: Session, labels: Mapping[str, str], statuses: tuple[str, ...]
) -> list[int]:
    """Ids of entries whose label matchers all hold for `labels`, more matchers first."""
    query = (
        select(KnowledgeEntry.id, KnowledgeEntry.matchers)
        .where(
            cast(KnowledgeEntry.matchers, String) != "[]",
            col(KnowledgeEntry.status).in_(statuses),
        )
        .order_by(col(KnowledgeEntry.updated_at).desc())
        .limit(MAX_MATCHER_SCAN)
    )
    ranked: list[tuple[int, int]] = []
    for entry_id, texts in session.exec(query):
        if entry_id is None:
            continue
        try:
            matchers = parse_matchers(texts)
        except ValueError:  # saved before a rule changed; it simply does not match
            continue
        if matchers and matches_all(matchers, labels):
            ranked.append((len(matchers), entry_id))
    ranked.sort(key=lambda pair: (-pair[0], pair[1]))
    return [entry_id for _, entry_id in ranked[:CANDIDATES]]


def any_published(session: Session) -> bool:
    """Whether searching can find anything (an empty base needs no segmenter in memory)."""
    query = select(KnowledgeEntry.id).where(KnowledgeEntry.status == "published").limit(1)
    return session.exec(query).first() is not None


def entry_block(entry: KnowledgeEntry, max_bytes: int) -> str:
    """An entry as a prompt shows it: `[KB-<id>] title`, symptoms, cause and resolution,
    cut to `max_bytes`."""
    sections = [
        f"[{entry_key(entry.id or 0)}] {entry.title}",
        f"Symptoms: {entry.symptoms}" if entry.symptoms else "",
        f"Cause: {entry.cause}" if entry.cause else "",
        f"Resolution: {entry.resolution}" if entry.resolution else "",
    ]
    return cut_bytes("\n".join(section for section in sections if section), max_bytes)


def cut_bytes(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max(0, max_bytes - 4)].decode(errors="ignore") + " …"


def cited_ids(items: list[str | int], offered: list[int]) -> list[int]:
    """The entries a model says it used (`KB-12` or 12), of those it was given, once each."""
    said: list[int] = []
    for item in items:
        text = str(item).strip().upper().removeprefix(KEY_PREFIX.upper())
        if text.isdigit() and int(text) in offered and int(text) not in said:
            said.append(int(text))
    return said
