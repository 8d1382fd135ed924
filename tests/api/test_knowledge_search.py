"""Knowledge search over a real database (SQLite FTS5 and PostgreSQL full text): the exact
signature first, label matchers, the index kept in step with every write, and queries
holding full-text syntax."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from api.services import knowledge as service
from store import knowledge_index, knowledge_rank
from store.knowledge import search
from store.models import KnowledgeCreate, KnowledgeEntry
from store.models.knowledge import KnowledgeContent


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine) as opened:
        yield opened


def add(session: Session, **fields: object) -> int:
    spec = KnowledgeCreate.model_validate({"status": "published", **fields})
    entry = service.create(session, spec=spec, actor="tests")
    assert entry.id is not None
    return entry.id


def ranked(session: Session, query: str, **labels: str) -> list[int]:
    return [hit.entry.id or 0 for hit in search(session, query=query, labels=labels)]


def test_an_exact_signature_comes_first_whatever_the_text_ranking(session: Session) -> None:
    wordy = add(
        session,
        title="connection refused connection refused upstream",
        symptoms="connection refused while connecting to upstream, connection refused",
    )
    exact = add(
        session,
        title="Payments gateway down",
        signature={
            "alertname": "Nginx5xx",
            "service": "payments",
            "error": "connect() failed (111: Connection refused) to 10.0.0.7:8080",
        },
    )
    error = "connect() failed (111: Connection refused) to 10.9.9.9:9090"
    hits = search(session, query=error, labels={"alertname": "Nginx5xx", "service": "payments"})
    assert [hit.entry.id for hit in hits] == [exact, wordy]
    assert hits[0].exact_signature and hits[0].signature_rank == 1
    assert not hits[1].exact_signature and hits[1].text_rank is not None
    # another service's alert does not get the payments entry by signature
    other = search(session, query=error, labels={"alertname": "Nginx5xx", "service": "shop"})
    assert all(hit.signature_rank is None for hit in other)


def test_label_matchers_rank_entries_for_the_alerts_they_describe(session: Session) -> None:
    disk = add(session, title="Disk full", matchers=['alertname="DiskFull"'])
    data_disk = add(
        session, title="Data disk full", matchers=['alertname="DiskFull"', "mount=~/data.*"]
    )
    add(session, title="Certificate expiry", matchers=['alertname="CertificateExpiry"'])
    hits = search(session, query="disk", labels={"alertname": "DiskFull", "mount": "/data1"})
    assert [(h.entry.id, h.labels_rank) for h in hits] == [(data_disk, 1), (disk, 2)]
    only_disk = search(session, query="full", labels={"alertname": "DiskFull", "mount": "/"})
    assert [h.entry.id for h in only_disk if h.labels_rank] == [disk]


def test_chinese_and_english_entries_are_found_by_words_inside_them(session: Session) -> None:
    chinese = add(session, title="磁盘空间不足", symptoms="写日志失败 分区使用率 100%")
    english = add(session, title="Kafka consumer lag", symptoms="messages processed late")
    assert ranked(session, "磁盘满了") == [chinese]
    assert ranked(session, "日志写不进去") == [chinese]
    assert ranked(session, "consumers lagging behind") == [english]


def test_the_index_follows_edits_deletes_and_status(session: Session) -> None:
    entry_id = add(session, title="Redis latency", symptoms="slowlog shows KEYS")
    assert ranked(session, "slowlog") == [entry_id]
    spec = KnowledgeCreate(title="Redis memory", symptoms="maxmemory reached")
    service.update(session, entry_id=entry_id, spec=spec, actor="tests")
    assert ranked(session, "slowlog") == []
    assert ranked(session, "maxmemory") == [entry_id]

    draft = service.create(session, spec=KnowledgeCreate(title="maxmemory draft"), actor="tests").id
    assert ranked(session, "maxmemory") == [entry_id]
    statuses = ("published", "draft")
    both = search(session, query="maxmemory", labels={}, statuses=statuses)
    assert {hit.entry.id for hit in both} == {entry_id, draft}
    assert service.delete(session, entry_id=entry_id)
    assert ranked(session, "maxmemory") == []
    assert session.execute(text("SELECT count(*) FROM knowledge_fts")).scalar_one() == 1
    assert session.get(KnowledgeEntry, entry_id) is None


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "disk*",
        "NEAR(disk full, 2)",
        "-disk",
        "(disk OR) AND",
        "title:disk",
        "disk & | ! <-> :*",
        "'); DROP TABLE knowledge_entries; --",
        "^ $ \\ {}",
        "?!",
    ],
)
def test_full_text_syntax_in_a_query_is_just_text(session: Session, query: str) -> None:
    entry_id = add(session, title="Disk full on the data partition")
    hits = ranked(session, query)
    assert hits == ([entry_id] if "disk" in query.lower() else [])
    assert session.get(KnowledgeEntry, entry_id) is not None


def test_an_entry_signed_by_its_error_alone_matches_that_error_anywhere(session: Session) -> None:
    files = add(session, title="Descriptor limit", signature={"error": "Too many open files"})
    add(session, title="Too many open files in the docs", symptoms="too many open files")
    hits = search(session, query="accept4: Too many open files", labels={})
    assert hits[0].entry.id != files  # not the same error: text ranking decides
    for labels in ({}, {"alertname": "ServiceDown"}):
        hits = search(session, query="too many open FILES", labels=labels)
        assert hits[0].entry.id == files and hits[0].signature_rank == 1
        assert hits[0].exact_signature == (not labels)


def test_concurrent_edits_number_their_versions_in_turn(db_engine: Engine) -> None:
    """Two sessions edit one entry at once: on PostgreSQL the second waits for the first's
    row lock; on SQLite, which reads outside its write lock, the loser of a version number
    saves again; either way both edits are kept as versions."""
    with Session(db_engine) as first:
        entry_id = add(first, title="Original")
        service.update(first, entry_id=entry_id, spec=KnowledgeCreate(title="A"), actor="a")

    errors: list[BaseException] = []

    def edit(title: str) -> None:
        try:
            with Session(db_engine) as session:
                spec = KnowledgeCreate(title=title)
                service.update(session, entry_id=entry_id, spec=spec, actor=title)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(name,)) for name in ("B", "C")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(db_engine) as session:
        versions = service.versions(session, entry_id=entry_id) or []
        assert [v.version for v in versions] == [4, 3, 2, 1]
        assert {v.created_by for v in versions[:2]} == {"B", "C"}


def test_a_bulk_indexed_entry_is_found_as_one_saved_by_the_service(session: Session) -> None:
    saved = add(session, title="磁盘空间不足 on the billing host", symptoms="No space left")
    table = KnowledgeEntry.metadata.tables["knowledge_entries"]
    bulk = [
        KnowledgeEntry(id=saved + n, title=title, status="published", symptoms="No space left")
        for n, title in [(1, "磁盘空间不足 on the orders host"), (2, "Redis latency")]
    ]
    session.execute(table.insert(), [entry.model_dump() for entry in bulk])
    knowledge_index.write_many(session, [knowledge_index.entry_tokens(e) for e in bulk])
    session.commit()
    hits = search(session, query="磁盘空间 orders", labels={})
    assert [hit.entry.id for hit in hits] == [saved + 1, saved]
    assert hits[0].entry.title == "磁盘空间不足 on the orders host"
    assert ranked(session, "redis") == [saved + 2]


def test_a_search_loads_only_the_entries_it_answers(db_engine: Engine, session: Session) -> None:
    ids = [add(session, title=f"Kafka consumer lag on topic {n}") for n in range(12)]
    loaded: list[int] = []

    def count(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if "WHERE knowledge_entries.id IN" in statement:  # the rows of the answered entries
            loaded.append(len(params) if isinstance(params, (list, tuple, dict)) else 0)

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        hits = search(session, query="kafka consumer lag", labels={}, limit=3)
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert len(hits) == 3 and {hit.entry.id for hit in hits} <= set(ids)
    assert loaded == [3]  # the three answered, not all twelve candidates


def test_the_signature_lookup_uses_the_signature_index(db_engine: Engine, session: Session) -> None:
    """Not the status index, which on SQLite without statistics looked as good and made
    every search scan all published entries."""
    add(session, title="Disk full", signature={"error": "No space left on device"})
    statements: list[tuple[str, Any]] = []

    def keep(_conn: object, _cursor: object, statement: str, params: Any, *_: object) -> None:
        if "knowledge_entries.signature IN" in statement:
            statements.append((statement, params))

    event.listen(db_engine, "before_cursor_execute", keep)
    try:
        assert ranked(session, "No space left on device")
    finally:
        event.remove(db_engine, "before_cursor_execute", keep)
    ((statement, params),) = statements
    with db_engine.connect() as conn:
        if db_engine.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            )
            assert (
                "ix_knowledge_entries_signature" in plan
                and "ix_knowledge_entries_status" not in plan
            ), plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(
                str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {statement}", params)
            )
            assert "ix_knowledge_entries_status" not in plan, plan


def held(session: Session, term: str) -> int:
    row = session.execute(
        text("SELECT entries FROM knowledge_fts_terms WHERE term = :t"), {"t": term}
    ).first()
    return int(row[0]) if row else 0


def test_the_word_counts_follow_every_write(session: Session) -> None:
    first = add(session, title="Zookeeper session expired", symptoms="zookeeper zookeeper")
    add(session, title="Zookeeper quorum lost", status="draft")  # drafts are indexed too
    assert (held(session, "zookeeper"), held(session, "quorum"), held(session, "")) == (2, 1, 2)
    spec = KnowledgeContent(title="Session expired", symptoms="client timeouts")
    assert service.update(session, entry_id=first, spec=spec, actor="tests") is not None
    assert (held(session, "zookeeper"), held(session, "timeout"), held(session, "")) == (1, 1, 2)
    assert service.delete(session, entry_id=first)
    assert (held(session, "session"), held(session, "timeout"), held(session, "")) == (0, 0, 1)


def test_a_rare_word_outweighs_a_common_one(session: Session) -> None:
    common = [add(session, title=f"disk latency high on db-{n}", symptoms="disk disk slow")
              for n in range(30)]  # fmt: skip
    inode = add(session, title="inode table exhausted", symptoms="the disk has free blocks")
    assert ranked(session, "disk inode")[0] == inode
    assert inode not in common


def test_candidates_come_from_the_rarest_words(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(12):
        add(session, title=f"kafka consumer lag on topic-{n}")
    rebalance = add(session, title="kafka rebalance storm", symptoms="consumer group rebalancing")
    monkeypatch.setattr(knowledge_rank, "POSTINGS_BUDGET", 5)
    planned = knowledge_rank.plan(session, ["kafka", "rebalance", "nosuchword"])
    assert planned is not None and planned.selective == ["rebalance"]
    assert set(planned.weights) == {"kafka", "rebalance"}  # a word no entry holds is left out
    assert planned.weights["rebalance"] > planned.weights["kafka"]
    assert ranked(session, "kafka rebalance") == [rebalance]  # only entries with the rare word
    assert len(ranked(session, "kafka lag")) == 10  # all common: the rarest alone, capped
