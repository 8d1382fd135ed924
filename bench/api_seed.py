"""Seeding the benchmark's metadata DB: the same tasks and file events every run."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from rich.progress import Progress
from sqlalchemy import Table as SqlTable
from sqlmodel import Session, SQLModel

from store.db import make_engine
from store.models import RoutingRule

BATCH = 10_000
END = datetime(2026, 11, 20, tzinfo=UTC)  # fixed, so every run seeds the same rows
SPAN = timedelta(days=30)

# Agents (weight, kind of files): web hosts ship logs, db hosts backups, batch hosts exports.
AGENTS = {"web-01": (20, "logs"), "web-02": (18, "logs"), "web-03": (12, "logs"),
          "db-01": (10, "backups"), "db-02": (8, "backups"), "batch-01": (14, "exports"),
          "batch-02": (10, "exports"), "edge-01": (8, "logs")}  # fmt: skip
RULES = ["logs-archive", "db-backups", "exports-lake", "heap-dumps", "large-files", "catch-all"]
KIND_RULE = {"logs": 0, "backups": 1, "exports": 2, "heap": 3}
STATUSES = {"succeeded": 905, "failed": 50, "ignored": 25, "cancelled": 12, "retrying": 5,
            "running": 3}  # fmt: skip
ERRORS = {"network": (45, "connection reset by peer"), "timeout": (25, "upload timed out"),
          "checksum": (10, "sha256 mismatch after upload"), "rejected": (10, "approval rejected"),
          "not_found": (10, "file vanished before upload")}  # fmt: skip


def seed_batches(n: int, rule_ids: list[int]) -> Iterator[list[tuple[dict[str, Any], ...]]]:
    """(file event, task) row pairs, oldest first, in batches; the same rows every run."""
    rng = random.Random(5)
    agents, agent_w = list(AGENTS), [w for w, _ in AGENTS.values()]
    statuses, status_w = list(STATUSES), list(STATUSES.values())
    errors, error_w = list(ERRORS), [w for w, _ in ERRORS.values()]
    start, step = END - SPAN, SPAN / n
    batch: list[tuple[dict[str, Any], ...]] = []
    for i in range(n):
        created = start + step * (i + rng.random())
        agent = rng.choices(agents, agent_w)[0]
        kind = "heap" if rng.random() < 0.02 else AGENTS[agent][1]
        rel_path, size = _file(rng, kind, created)
        status = rng.choices(statuses, status_w)[0]
        error_class = rng.choices(errors, error_w)[0] if status == "failed" else ""
        error_class = "cancelled" if status == "cancelled" else error_class
        rule: int | None = rule_ids[4] if size > 2**30 else rule_ids[KIND_RULE[kind]]
        unmatched = rng.random()  # a few fall through to the catch-all or to no rule at all
        rule = rule_ids[5] if unmatched < 0.04 else rule
        rule = None if status == "ignored" or unmatched > 0.98 else rule
        event_id = f"{rng.getrandbits(128):032x}"
        sha = f"{rng.getrandbits(256):064x}"
        finished = created + timedelta(seconds=rng.lognormvariate(1.5, 1.0))
        done = status in ("succeeded", "failed", "cancelled", "ignored")
        stored = status == "succeeded"
        host = f"{agent}.example.net"
        event = {
            "id": event_id, "dedup_key": f"{rng.getrandbits(256):064x}", "agent_id": agent,
            "host": host, "root": "/srv", "rel_path": rel_path, "name": rel_path.rsplit("/")[-1],
            "size": size, "mtime_ns": int(created.timestamp() * 1e9) - 5_000_000_000,
            "sha256": sha if stored else None, "detected_at": created,
        }  # fmt: skip
        task = {
            "id": f"file-{event_id}", "workflow_id": f"file-{event_id}",
            "run_id": f"{rng.getrandbits(128):032x}", "agent_id": agent, "rule_id": rule,
            "rule_version": None if rule is None else 1 + i * 3 // n, "status": status,
            "bucket": "sluice" if stored else "",
            "object_key": f"{agent}/{rel_path}" if stored else "",
            "sha256": sha if stored else "", "size": size,
            "error": ERRORS[error_class][1] if error_class in ERRORS else "",
            "error_class": error_class, "created_at": created,
            "started_at": created + timedelta(milliseconds=40),
            "finished_at": finished if done else None, "updated_at": finished,
            "retry_of": None, "file_event_id": event_id,
        }  # fmt: skip
        batch.append((event, task))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _file(rng: random.Random, kind: str, at: datetime) -> tuple[str, int]:
    day = at.strftime("%Y-%m-%d")
    if kind == "logs":
        app = rng.choice(["nginx", "api", "auth", "billing"])
        return f"logs/{app}/{day}/{app}-{at:%H%M%S}-{rng.randrange(100)}.log.gz", int(
            rng.lognormvariate(14, 1.5)
        )
    if kind == "backups":
        db = rng.choice(["orders", "users", "inventory"])
        return f"backups/{db}/{day}/{db}-{at:%H%M%S}.dump", int(rng.lognormvariate(19, 1.2))
    if kind == "exports":
        job = rng.choice(["daily-sales", "clickstream", "audit-export"])
        return f"exports/{job}/{day}/part-{rng.randrange(100_000):05d}.parquet", int(
            rng.lognormvariate(17, 1.0)
        )
    pid = rng.randrange(1000, 99999)
    return f"dumps/HeapDumps/{day}/java_pid{pid}.hprof", int(rng.lognormvariate(21, 0.8))


def add_rules(url: str) -> list[int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rules = [RoutingRule(name=name, live_version=1) for name in RULES]
            session.add_all(rules)
            session.commit()
            return [rule.id for rule in rules if rule.id is not None]
    finally:
        engine.dispose()


def seed_sqlite(url: str, n: int, progress: Progress) -> None:
    """Core executemany in one transaction per batch, oldest first, as tasks arrive."""
    events, tasks = (SQLModel.metadata.tables[name] for name in ("file_events", "tasks"))
    rule_ids = add_rules(url)
    engine = make_engine(url)
    bar = progress.add_task(f"seeding SQLite ({n:,} tasks)", total=n)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-524288")  # 512 MiB: random-id indexes
            conn.commit()
            for batch in seed_batches(n, rule_ids):
                with conn.begin():
                    conn.execute(events.insert(), [event for event, _ in batch])
                    conn.execute(tasks.insert(), [task for _, task in batch])
                progress.advance(bar, len(batch))
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


def seed_postgresql(url: str, n: int, progress: Progress) -> None:
    """COPY both tables in batches, then VACUUM ANALYZE as autovacuum would after a load."""
    events, tasks = (SQLModel.metadata.tables[name] for name in ("file_events", "tasks"))
    rule_ids = add_rules(url)
    bar = progress.add_task(f"seeding PostgreSQL ({n:,} tasks)", total=n)
    with psycopg.connect(url) as conn:
        for batch in seed_batches(n, rule_ids):
            with conn.transaction():
                _copy(conn, events, [event for event, _ in batch])
                _copy(conn, tasks, [task for _, task in batch])
            progress.advance(bar, len(batch))
    with psycopg.connect(url, autocommit=True) as conn:
        bar = progress.add_task("VACUUM ANALYZE", total=None)
        conn.execute("VACUUM ANALYZE file_events")
        conn.execute("VACUUM ANALYZE tasks")
        conn.execute("CHECKPOINT")
        progress.update(bar, total=1, completed=1)


def _copy(conn: psycopg.Connection, table: SqlTable, rows: list[dict[str, Any]]) -> None:
    names = list(rows[0])
    with conn.cursor().copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])
