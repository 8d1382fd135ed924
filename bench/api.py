"""Task list latency: `GET /api/v1/tasks` through the real app against the raw indexed SQL.

    .venv/bin/python -m bench.api                             # 1,000,000 tasks, both DBs
    .venv/bin/python -m bench.api --tasks 20000 --repeats 10  # quick check, ~15 s
    .venv/bin/python -m bench.api --db postgresql --explain   # and print the query plans

Per database, a freshly migrated (Alembic) metadata DB is seeded with `--tasks` tasks and
their file events: 8 agents, 6 rules, mostly succeeded, some failed with error classes,
created over 30 days, paths with directories. SQLite is a file with WAL, seeded with
SQLAlchemy Core executemany; PostgreSQL is a throwaway cluster started like the tests'
(`tests/fixtures/database.py`, Debian's binaries as the `postgres` user), seeded with COPY
and then `VACUUM ANALYZE`d, which autovacuum would do on its own after such a load.

Each case (first page, a page half-way down by the API's own cursor, each filter) is called
`--warm-up` + `--repeats` times each way, alternating which side goes first:
- **api**: `GET /api/v1/tasks` on `create_app(settings)` with an admin bearer token, through
  httpx's `ASGITransport` in this process. That is routing, auth (a token lookup, then
  cached for `api.auth.TOKEN_CACHE_SECONDS`), query validation, the service's page query
  (file host and path by join) in one worker-thread hop, and JSON serialisation, as in
  production minus the socket. Uvicorn on loopback would add HTTP parsing and a second
  process to schedule on two shared cores: noise that is neither the query nor the app.
- **service**: the same page from `api.services.tasks.list_tasks` as the route runs it
  (`api.deps.read_in_session`, one worker-thread hop) on the app's engine, without HTTP:
  API minus service is what FastAPI, auth, validation and JSON cost.
- **raw**: the same WHERE / ORDER BY / LIMIT (limit + 1, as the service asks) with each
  task's file host and path by LEFT JOIN, written by hand and run on the driver itself
  (sqlite3, psycopg): the floor for answering the same page from the same indexes.
All sides must return the same ids in the same order on every call, or the run stops.
Reported per case: p50/p95 ms per side and API p95 / raw p95. Targets (API p95 < 100 ms and
within 3x of raw) are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import Engine, event
from sqlalchemy import Table as SqlTable
from sqlmodel import Session, SQLModel, select

from api.app import create_app
from api.auth import create_token
from api.db import make_engine, migrate
from api.deps import read_in_session
from api.models import Role, RoutingRule, Task
from api.services.keyset import encode_cursor
from api.services.tasks import TASKS, list_tasks
from sluice.settings import load_settings
from tests.fixtures.database import POSTGRES_BIN_GLOB, start_postgres, stop_postgres

LIMIT = 50
BATCH = 10_000
END = datetime(2026, 11, 20, tzinfo=UTC)  # fixed, so every run seeds the same rows
SPAN = timedelta(days=30)
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite
TARGET_MS, TARGET_RATIO = 100.0, 3.0
SIDES = ("api", "service", "raw")
console = Console(stderr=True)

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


@dataclass(frozen=True)
class Case:
    """One `GET /api/v1/tasks` query; `after` is the position its cursor points at."""

    name: str
    status: str | None = None
    agent_id: str | None = None
    rule_id: int | None = None
    error_class: str | None = None
    path: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    after: tuple[datetime, str] | None = None

    def params(self) -> dict[str, str]:
        params: dict[str, str] = {"limit": str(LIMIT)}
        for name in ("status", "agent_id", "rule_id", "error_class", "path"):
            if (value := getattr(self, name)) is not None:
                params[name] = str(value)
        for name in ("created_from", "created_to"):
            if (value := getattr(self, name)) is not None:
                params[name] = value.isoformat()
        if self.after is not None:
            params["cursor"] = encode_cursor(*self.after)
        return params

    def filters(self) -> dict[str, Any]:
        """The same query as keyword arguments of `api.services.tasks.list_tasks`."""
        names = ("status", "agent_id", "rule_id", "error_class", "path", "created_from",
                 "created_to")  # fmt: skip
        cursor = encode_cursor(*self.after) if self.after is not None else None
        return {**{name: getattr(self, name) for name in names}, "limit": LIMIT, "cursor": cursor}

    def raw_sql(self, dialect: str) -> tuple[str, dict[str, Any]]:
        """The page's rows (limit + 1, as the service asks) by hand, in the driver's style."""
        sqlite = dialect == "sqlite"

        def p(name: str) -> str:
            return f":{name}" if sqlite else f"%({name})s"

        def at(value: datetime) -> object:
            return value.astimezone(UTC).strftime(SQLITE_TIME) if sqlite else value

        where: list[str] = []
        args: dict[str, Any] = {}
        for name in ("status", "agent_id", "rule_id", "error_class"):
            if (value := getattr(self, name)) is not None:
                where.append(f"t.{name} = {p(name)}")
                args[name] = value
        if self.created_from is not None:
            where.append(f"t.created_at >= {p('created_from')}")
            args["created_from"] = at(self.created_from)
        if self.created_to is not None:
            where.append(f"t.created_at < {p('created_to')}")
            args["created_to"] = at(self.created_to)
        if self.after is not None:
            where.append(f"(t.created_at, t.id) < ({p('at')}, {p('id')})")
            args["at"], args["id"] = at(self.after[0]), self.after[1]
        if self.path is not None:  # no %, _ or / in the benchmark's substrings
            like = "lower(f.rel_path) LIKE" if sqlite else "f.rel_path ILIKE"
            where.append(f"{like} {p('pattern')} ESCAPE '/'")
            args["pattern"] = f"%{self.path.lower() if sqlite else self.path}%"
        sql = (
            "SELECT t.id, t.workflow_id, t.run_id, t.agent_id, t.rule_id, t.rule_version, "
            "t.status, t.bucket, t.object_key, t.sha256, t.size, t.error, t.error_class, "
            "t.created_at, t.started_at, t.finished_at, t.updated_at, t.retry_of, "
            "t.file_event_id, f.host, f.rel_path "
            "FROM tasks AS t LEFT JOIN file_events AS f ON f.id = t.file_event_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql + f" ORDER BY t.created_at DESC, t.id DESC LIMIT {LIMIT + 1}", args


@dataclass
class Result:
    case: Case
    rows: int = 0
    ms: dict[str, list[float]] = field(default_factory=lambda: {side: [] for side in SIDES})

    def pct(self, side: str, q: int) -> float:
        return statistics.quantiles(self.ms[side], n=100, method="inclusive")[q - 1]

    @property
    def ratio(self) -> float:
        return self.pct("api", 95) / self.pct("raw", 95)

    def cells(self) -> list[str]:
        api95 = self.pct("api", 95)
        missed = [f"p95 >= {TARGET_MS:.0f} ms"] if api95 >= TARGET_MS else []
        missed += [f"ratio > {TARGET_RATIO:.0f}"] if self.ratio > TARGET_RATIO else []
        return [
            self.case.name,
            str(self.rows),
            f"{self.pct('api', 50):.1f}",
            f"{api95:.1f}",
            f"{self.pct('service', 50):.2f}",
            f"{self.pct('service', 95):.2f}",
            f"{self.pct('raw', 50):.2f}",
            f"{self.pct('raw', 95):.2f}",
            f"{self.ratio:.1f}",
            "not met: " + ", ".join(missed) if missed else "met",
        ]


@dataclass
class Run:
    """One database's results and how it was set up."""

    db: str
    results: list[Result]
    seed_s: float
    size_mb: float
    load: tuple[float, float]  # 1-minute load average before and after measuring


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    )  # fmt: skip


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


def cases(url: str, n: int) -> list[Case]:
    """The calls measured; the deep page starts half-way down, by the API's cursor format."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            query = select(Task.created_at, Task.id).order_by(*TASKS.order())
            at, key = session.exec(query.offset(n // 2).limit(1)).one()
            rule = session.exec(select(RoutingRule.id).where(RoutingRule.name == RULES[1])).one()
    finally:
        engine.dispose()
    day = END - timedelta(days=10)
    return [
        Case("first page"),
        Case(f"deep page (row {n // 2:,})", after=(at, key)),
        Case("status=failed", status="failed"),
        Case("agent_id=db-01", agent_id="db-01"),
        Case(f"rule_id={rule} ({RULES[1]})", rule_id=rule),
        Case("error_class=checksum", error_class="checksum"),
        Case("created: one day", created_from=day, created_to=day + timedelta(days=1)),
        Case("path~heapdumps", path="heapdumps"),
    ]


class Raw:
    """The driver itself on a connection of its own: sqlite3 or psycopg."""

    def __init__(self, url: str) -> None:
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._conn: Any
        if self.dialect == "sqlite":
            self._conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        else:
            self._conn = psycopg.connect(url, autocommit=True)

    def rows(self, sql: str, args: Any) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(sql, args).fetchall())

    def plan(self, sql: str, args: Any) -> str:
        """The plan the database picks; on PostgreSQL also what it cost (EXPLAIN ANALYZE)."""
        if self.dialect == "sqlite":
            return "\n".join(str(row[-1]) for row in self.rows("EXPLAIN QUERY PLAN " + sql, args))
        return "\n".join(
            str(row[0]) for row in self.rows("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
        )

    def close(self) -> None:
        self._conn.close()


@dataclass(frozen=True)
class Sides:
    """Where a page is asked for: the app over HTTP, its engine (for the service), the driver."""

    client: httpx.AsyncClient
    engine: Engine
    raw: Raw


async def measure(url: str, n: int, args: argparse.Namespace, progress: Progress) -> list[Result]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _row, token = create_token(session, name="bench", role=Role.admin, actor="bench")
    finally:
        engine.dispose()
    app = create_app(load_settings(database_url=url))
    raw = Raw(url)
    calls = args.warm_up + args.repeats
    todo = cases(url, n)
    bar = progress.add_task(f"measuring {raw.dialect}", total=len(todo) * calls)
    results = []
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://sluice.bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            sides = Sides(client, app.state.engine, raw)
            for case in todo:
                results.append(await measure_case(sides, case, args, progress, bar))
                if args.explain:
                    await explain(client, app.state.engine, raw, case)
    finally:
        raw.close()
        app.state.engine.dispose()
    return results


async def measure_case(
    sides: Sides, case: Case, args: argparse.Namespace, progress: Progress, bar: TaskID
) -> Result:
    params, filters = case.params(), case.filters()
    sql, sql_args = case.raw_sql(sides.raw.dialect)
    result = Result(case)
    for call in range(args.warm_up + args.repeats):
        ids: dict[str, list[str]] = {}
        # Rotate which side goes first, so none always finds the caches warmer.
        for side in SIDES[call % 3 :] + SIDES[: call % 3]:
            started = time.perf_counter()
            if side == "api":
                response = await sides.client.get("/api/v1/tasks", params=params)
                ms = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{case.name}: API {response.status_code}: {response.text}")
                ids[side] = [item["id"] for item in response.json()["items"]]
            elif side == "service":
                page = await read_in_session(sides.engine, partial(list_tasks, **filters))
                ms = (time.perf_counter() - started) * 1000
                ids[side] = [row.id for row in page.items]
            else:
                rows = sides.raw.rows(sql, sql_args)
                ms = (time.perf_counter() - started) * 1000
                ids[side] = [row[0] for row in rows[:LIMIT]]
            if call >= args.warm_up:
                result.ms[side].append(ms)
        if not ids["api"] == ids["service"] == ids["raw"]:
            raise SystemExit(
                f"{case.name}: the API, the service and the raw query returned different tasks "
                f"({', '.join(str(len(found)) for found in ids.values())} rows; first "
                f"{' vs '.join(str(found[:2]) for found in ids.values())}); sql: {sql} {sql_args}"
            )
        result.rows = len(ids["api"])
        progress.advance(bar)
    return result


async def explain(client: httpx.AsyncClient, engine: Engine, raw: Raw, case: Case) -> None:
    """Print the plans of the list statements one API call runs, and of the raw query."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM tasks" in statement and "LIMIT" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        await client.get("/api/v1/tasks", params=case.params())
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    console.rule(f"{raw.dialect}: {case.name}")
    for n, (sql, args) in enumerate(statements, 1):
        console.print(f"[bold]API statement {n}/{len(statements)}[/]\n{raw.plan(sql, args)}")
    console.print(f"[bold]raw[/]\n{raw.plan(*case.raw_sql(raw.dialect))}")


def postgres_bin_dir() -> Path | None:
    """The newest installed Debian PostgreSQL server binaries, or None."""
    found = [Path(p) for p in glob.glob(POSTGRES_BIN_GLOB) if Path(p, "initdb").is_file()]
    return (
        max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
        if found
        else None
    )


def run_db(db: str, args: argparse.Namespace, tmp: Path) -> Run | None:
    if db == "sqlite":
        url = f"sqlite:///{tmp / 'sluice.db'}"
        migrate(url)
        return bench_db(db, url, args, lambda: (tmp / "sluice.db").stat().st_size)
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        console.print(
            f"[yellow]skipping PostgreSQL: no server binaries at {POSTGRES_BIN_GLOB}/initdb "
            "(apt-get install postgresql, or run through scripts/test.sh which installs it)"
        )
        return None
    with console.status(f"starting PostgreSQL from {bin_dir}"):
        server = start_postgres(bin_dir)
    try:
        with server.admin_connection() as conn:
            conn.execute('CREATE DATABASE "sluice_bench"')
        url = server.url("sluice_bench")
        migrate(url)

        def size() -> int:
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
                return int(row[0]) if row else 0

        return bench_db(db, url, args, size)
    finally:
        with console.status("stopping PostgreSQL"):
            stop_postgres(server, bin_dir)


def bench_db(db: str, url: str, args: argparse.Namespace, size: Callable[[], int]) -> Run:
    seed = seed_sqlite if db == "sqlite" else seed_postgresql
    with progress_bar() as progress:
        started = time.perf_counter()
        seed(url, args.tasks, progress)
        seed_s = time.perf_counter() - started
        load_before = os.getloadavg()[0]
        results = asyncio.run(measure(url, args.tasks, args, progress))
    run = Run(db, results, seed_s, size() / 1e6, (load_before, os.getloadavg()[0]))
    console.print(f"{db}: seeded {args.tasks:,} tasks and file events in {seed_s:.0f} s, "
                  f"DB {run.size_mb:,.0f} MB")  # fmt: skip
    return run


HEAD = ["case", "rows", "API p50", "API p95", "service p50", "service p95", "raw p50",
        "raw p95", "API p95 / raw p95",
        f"target: p95 < {TARGET_MS:.0f} ms, <= {TARGET_RATIO:.0f}x"]  # fmt: skip


def title(run: Run, args: argparse.Namespace) -> str:
    name = "SQLite (file, WAL)" if run.db == "sqlite" else "PostgreSQL"
    return (
        f"{name}: GET /api/v1/tasks?limit={LIMIT}, {args.tasks:,} tasks (seeded in "
        f"{run.seed_s:.0f} s, {run.size_mb:,.0f} MB), ms over {args.repeats} calls; "
        f"load average {run.load[0]:.1f} -> {run.load[1]:.1f}"
    )


def table(run: Run, args: argparse.Namespace) -> Table:
    out = Table(title=title(run, args))
    for column in HEAD:
        out.add_column(column, justify="left" if column == "case" else "right")
    for result in run.results:
        out.add_row(*result.cells())
    return out


def markdown(runs: list[Run], args: argparse.Namespace) -> str:
    lines: list[str] = []
    for run in runs:
        lines += [f"{title(run, args)}:", "", "| " + " | ".join(HEAD) + " |"]
        lines += ["| --- |" + " ---: |" * (len(HEAD) - 2) + " --- |"]
        lines += ["| " + " | ".join(result.cells()) + " |" for result in run.results] + [""]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--tasks", type=int, default=1_000_000, help="tasks seeded (default 1,000,000)"
    )
    parser.add_argument("--repeats", type=int, default=50, help="timed calls per case and side")
    parser.add_argument("--warm-up", type=int, default=5, help="untimed calls per case and side")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    parser.add_argument(
        "--explain", action="store_true", help="print the query plans of each case (API and raw)"
    )
    args = parser.parse_args(argv)
    if args.tasks < 2 * LIMIT or args.repeats < 2:
        parser.error(f"--tasks must be at least {2 * LIMIT} and --repeats at least 2")
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    began = time.perf_counter()
    runs = []
    for db in dbs:
        with tempfile.TemporaryDirectory(prefix=f"sluice-bench-api-{db}-") as tmp:
            run = run_db(db, args, Path(tmp))
        if run is not None:
            runs.append(run)
    wide = Console(width=max(Console().width, 140))
    for run in runs:
        wide.print(table(run, args))
    console.print(f"total {time.perf_counter() - began:.0f} s")
    if args.markdown:
        print(markdown(runs, args))


if __name__ == "__main__":
    main(sys.argv[1:])
