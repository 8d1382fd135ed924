"""Task list latency: `GET /api/v1/tasks` through the real app against the raw indexed SQL.

    .venv/bin/python -m bench.api                             # 1,000,000 tasks, both DBs
    .venv/bin/python -m bench.api --tasks 20000 --repeats 10  # quick check, ~15 s
    .venv/bin/python -m bench.api --db postgresql --explain   # and print the query plans

Per database, a freshly migrated (Alembic) metadata DB is seeded with `--tasks` tasks and
their file events: 8 agents, 6 rules, mostly succeeded, some failed with error classes,
created over 30 days, paths with directories. SQLite is a file with WAL, seeded with
SQLAlchemy Core executemany; PostgreSQL is a throwaway cluster started like the tests'
(`bench/servers.py`, Debian's binaries as the `postgres` user), seeded with COPY
and then `VACUUM ANALYZE`d, which autovacuum would do on its own after such a load.

Each case (first page, a page half-way down by the API's own cursor, each filter) is called
`--warm-up` + `--repeats` times each way, alternating which side goes first:
- **api**: `GET /api/v1/tasks` on `create_app(settings)` with an admin bearer token, through
  httpx's `ASGITransport` in this process. That is routing, auth (a token lookup in its
  own worker-thread hop, on every request), query validation, the service's page query
  (file host and path by join) in one worker-thread hop, and JSON serialisation, as in
  production minus the socket. Uvicorn on loopback would add HTTP parsing and a second
  process to schedule on two shared cores: noise that is neither the query nor the app.
- **service**: the same page from `api.services.tasks.list_tasks` as the route runs it
  (`api.deps.read_in_session`, one worker-thread hop) on the app's engine, without HTTP:
  API minus service is what FastAPI, auth, validation and JSON cost.
- **raw**: the same WHERE / ORDER BY / LIMIT (limit + 1, as the service asks) with each
  task's file host and path by LEFT JOIN, written by hand and run on the driver itself
  (sqlite3, psycopg): the floor for answering the same page from the same indexes.
- **bare**: that raw query served by the least a FastAPI route can be (`bench/api_bare.py`:
  one async route, no middleware, auth, validation, ORM or thread hop, `json.dumps` of the
  rows) through the same transport: the floor for answering the same page over HTTP.
All sides must return the same ids in the same order on every call, or the run stops.
Reported per case: p50/p95 ms per side, API p95 / raw p95 and bare p95 / raw p95. Targets
(API p95 < 100 ms and within 3x of raw) are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
from fastapi import FastAPI
from rich.console import Console
from rich.progress import Progress, TaskID
from sqlalchemy import Engine, event
from sqlmodel import Session

from api.app import create_app
from api.auth import create_token
from api.deps import read_in_session
from api.services.tasks import list_tasks
from bench.api_bare import bare_app
from bench.api_cases import LIMIT, Case, Raw, cases
from bench.api_report import SIDES, Result, Run, console, markdown, progress_bar, table
from bench.api_seed import seed_postgresql, seed_sqlite
from bench.servers import POSTGRES_BIN_GLOB, postgres_bin_dir, start_postgres, stop_postgres
from sluice.settings import load_settings
from store.db import make_engine, migrate
from store.models import Role


@dataclass(frozen=True)
class Sides:
    """Where a page is asked for: the app over HTTP, its engine (for the service), the driver,
    and the bare app over HTTP."""

    client: httpx.AsyncClient
    engine: Engine
    raw: Raw
    bare: httpx.AsyncClient
    bare_app: FastAPI


async def measure(url: str, n: int, args: argparse.Namespace, progress: Progress) -> list[Result]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _row, token = create_token(
                session, name="bench", role=Role.admin, actor="bench", replace=True
            )
    finally:
        engine.dispose()
    app = create_app(load_settings(database_url=url))
    raw = Raw(url)
    calls = args.warm_up + args.repeats
    todo = cases(url, n)
    bar = progress.add_task(f"measuring {raw.dialect}", total=len(todo) * calls)
    bare = bare_app(raw)
    results = []
    try:
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://sluice.bench",
                headers={"Authorization": f"Bearer {token}"},
            ) as client,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=bare), base_url="http://bare.bench"
            ) as bare_client,
        ):
            sides = Sides(client, app.state.engine, raw, bare_client, bare)
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
    sides.bare_app.state.query = (sql, sql_args)
    result = Result(case)
    for call in range(args.warm_up + args.repeats):
        ids: dict[str, list[str]] = {}
        # Rotate which side goes first, so none always finds the caches warmer.
        first = call % len(SIDES)
        for side in SIDES[first:] + SIDES[:first]:
            started = time.perf_counter()
            if side == "api":
                response = await sides.client.get("/api/v1/tasks", params=params)
                ms = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{case.name}: API {response.status_code}: {response.text}")
                ids[side] = [item["id"] for item in response.json()["items"]]
            elif side == "bare":
                response = await sides.bare.get("/page")
                ms = (time.perf_counter() - started) * 1000
                response.raise_for_status()
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
        if not ids["api"] == ids["service"] == ids["raw"] == ids["bare"]:
            raise SystemExit(
                f"{case.name}: the sides returned different tasks ("
                + "; ".join(f"{side}: {len(got)} rows, {got[:2]}" for side, got in ids.items())
                + f"); sql: {sql} {sql_args}"
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
