"""Knowledge search latency and quality: `GET /api/v1/knowledge:search` at 100,000 entries.

    .venv/bin/python -m bench.knowledge                                 # 100,000 entries, both DBs
    .venv/bin/python -m bench.knowledge --entries 5000 --repeats 3      # quick check
    .venv/bin/python -m bench.knowledge --db sqlite --markdown

Per database, a freshly migrated DB gets the labelled set (tests/data/knowledge) through the
product's YAML import, then `--entries` generated Chinese and English distractors in bulk,
indexed by the product's own index writer (`store.knowledge_index.write_many`; see
bench/knowledge_seed.py). SQLite is a file with WAL; PostgreSQL a throwaway cluster
(`bench/servers.py`), `VACUUM ANALYZE`d after the load.

Each labelled question is asked `--warm-up` + `--repeats` times each way, rotating which
side goes first:
- **raw**: the two full-text statements the store runs (the words' entry counts, then
  `knowledge_rank.rank_sql`, 100 candidates), on the driver itself (sqlite3, psycopg), with
  the question's tokens computed beforehand: the floor of the text ranking alone.
- **bare**: a FastAPI route with nothing else (no middleware, auth, validation, thread hop)
  that calls `store.knowledge.search` on the event loop and answers its hits as JSON: the
  floor for serving the same search (segmentation, signature ranking, text ranking, fusion
  and the entries' rows) over HTTP.
- **api**: `GET /api/v1/knowledge:search` on `create_app(settings)` with a bearer token,
  through httpx's ASGITransport in this process.
The bare and API sides must return the same entries in the same order. From the API's
answers: recall@5 and MRR on the labelled questions among the distractors. Targets (API
p95 < 50 ms, at most 2x bare, recall@5 >= 0.9) are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Response
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from api.app import create_app
from api.auth import create_token
from bench.api_cases import Raw
from bench.api_report import console, progress_bar
from bench.knowledge_seed import labelled, seed, tokenised
from bench.servers import POSTGRES_BIN_GLOB, postgres_bin_dir, start_postgres, stop_postgres
from sluice.knowledge.text import query_terms
from sluice.settings import load_settings
from store import knowledge_rank
from store.db import make_engine, migrate
from store.knowledge import CANDIDATES, search
from store.models import Role

TARGET_MS, TARGET_RATIO, TARGET_RECALL = 50.0, 2.0, 0.9
SIDES = ("raw", "bare", "api")
LIMIT = 10


@dataclass
class Run:
    db: str
    entries: int
    seed_s: float
    load: tuple[float, float] = (0.0, 0.0)
    ms: dict[str, list[float]] = field(default_factory=lambda: {side: [] for side in SIDES})
    by_question: dict[str, list[float]] = field(default_factory=dict)  # API ms per question
    recall: float = 0.0
    mrr: float = 0.0
    misses: list[str] = field(default_factory=list)

    def pct(self, side: str, q: int) -> float:
        return statistics.quantiles(self.ms[side], n=100, method="inclusive")[q - 1]


def bare_app(engine: Any) -> FastAPI:
    """The least a route serving `store.knowledge.search` can be."""
    app = FastAPI(openapi_url=None)

    @app.get("/search")
    async def search_route(q: str) -> Response:
        with Session(engine) as session:
            hits = search(session, query=q, labels={}, limit=LIMIT)
            body = {
                "items": [
                    {"entry": hit.entry.model_dump(mode="json"), "score": hit.score} for hit in hits
                ]
            }
        return Response(json.dumps(body), media_type="application/json")

    return app


def counts_sql(terms: list[str]) -> tuple[str, dict[str, object]]:
    """The search's first statement: how many entries hold each of its words."""
    params: dict[str, object] = {f"w{i}": term for i, term in enumerate([*terms, ""])}
    names = ", ".join(f":{name}" for name in params)
    return f"SELECT term, entries FROM knowledge_fts_terms WHERE term IN ({names})", params


def pyformat(sql: str, params: dict[str, object]) -> str:
    """`:name` parameters as psycopg's `%(name)s`, longest names first."""
    for name in sorted(params, key=len, reverse=True):
        sql = sql.replace(f":{name}", f"%({name})s")
    return sql


async def measure(run: Run, url: str, ids: dict[str, int], args: argparse.Namespace) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        _row, token = create_token(session, name="bench", role=Role.admin, actor="bench")
    app = create_app(load_settings(database_url=url))
    raw = Raw(url)
    _text, questions, _ids = labelled()
    cases = []
    for question in questions:
        terms = query_terms(question["q"])
        with Session(engine) as session:
            planned = knowledge_rank.plan(session, terms)
        statements = [counts_sql(terms)]
        if planned is not None:
            statements.append(knowledge_rank.rank_sql(
                raw.dialect, planned, statuses=("published",), limit=CANDIDATES
            ))  # fmt: skip
        if raw.dialect == "postgresql":
            statements = [(pyformat(sql, params), params) for sql, params in statements]
        cases.append((question, statements))
    calls = args.warm_up + args.repeats
    recall = reciprocal = 0.0
    try:
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://sluice.bench",
                headers={"Authorization": f"Bearer {token}"},
            ) as client,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=bare_app(engine)), base_url="http://bare.bench"
            ) as bare,
        ):
            with progress_bar() as progress:
                bar = progress.add_task(f"measuring {run.db}", total=len(cases) * calls)
                for question, statements in cases:
                    ranked: dict[str, list[int]] = {}
                    for call in range(calls):
                        first = call % len(SIDES)
                        for side in SIDES[first:] + SIDES[:first]:
                            started = time.perf_counter()
                            if side == "raw":
                                for sql, params in statements:
                                    raw.rows(sql, params)
                            else:
                                response = await (client if side == "api" else bare).get(
                                    "/api/v1/knowledge:search" if side == "api" else "/search",
                                    params={"q": question["q"], "limit": str(LIMIT)},
                                )
                                if response.status_code != 200:
                                    raise SystemExit(
                                        f"{side} {response.status_code}: {response.text}"
                                    )
                                items = response.json()["items"]
                                ranked[side] = [item["entry"]["id"] for item in items]
                            ms = (time.perf_counter() - started) * 1000
                            if call >= args.warm_up:
                                run.ms[side].append(ms)
                                if side == "api":
                                    run.by_question.setdefault(question["q"], []).append(ms)
                        if ranked["api"] != ranked["bare"]:
                            raise SystemExit(
                                f"{question['q']!r}: api {ranked['api']} != bare {ranked['bare']}"
                            )
                        progress.advance(bar)
                    wanted = {ids[doc] for doc in question["answers"]}
                    found = wanted & set(ranked["api"][:5])
                    recall += len(found) / len(wanted)
                    rank = next((r for r, i in enumerate(ranked["api"], 1) if i in wanted), None)
                    reciprocal += 1 / rank if rank else 0.0
                    if len(found) < len(wanted):
                        run.misses.append(
                            f"{question['q']!r}: wanted {sorted(wanted)}, got {ranked['api'][:5]}"
                        )
    finally:
        raw.close()
        app.state.engine.dispose()
        engine.dispose()
    run.recall, run.mrr = recall / len(cases), reciprocal / len(cases)


def bench_db(db: str, url: str, rows: list[Any], args: argparse.Namespace) -> Run:
    migrate(url)
    with progress_bar() as progress:
        started = time.perf_counter()
        ids = seed(url, rows, progress)
    run = Run(db, len(rows) + len(ids), time.perf_counter() - started)
    load_before = os.getloadavg()[0]
    asyncio.run(measure(run, url, ids, args))
    run.load = (load_before, os.getloadavg()[0])
    return run


def run_db(db: str, rows: list[Any], args: argparse.Namespace, tmp: Path) -> Run | None:
    if db == "sqlite":
        return bench_db(db, f"sqlite:///{tmp / 'sluice.db'}", rows, args)
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        console.print(f"[yellow]skipping PostgreSQL: no server binaries at {POSTGRES_BIN_GLOB}")
        return None
    with console.status(f"starting PostgreSQL from {bin_dir}"):
        server = start_postgres(bin_dir)
    try:
        with server.admin_connection() as conn:
            conn.execute('CREATE DATABASE "sluice_bench"')
        return bench_db(db, server.url("sluice_bench"), rows, args)
    finally:
        with console.status("stopping PostgreSQL"):
            stop_postgres(server, bin_dir)


HEAD = ["side", "p50 ms", "p95 ms", "p95 / bare p95", f"target: p95 < {TARGET_MS:.0f} ms"]


def title(run: Run, args: argparse.Namespace) -> str:
    name = "SQLite (file, WAL)" if run.db == "sqlite" else "PostgreSQL"
    return (
        f"{name}: knowledge search, {run.entries:,} entries (seeded in {run.seed_s:.0f} s), "
        f"{len(run.by_question)} questions x {args.repeats} calls; load average "
        f"{run.load[0]:.1f} -> {run.load[1]:.1f}; recall@5 {run.recall:.3f}, MRR {run.mrr:.3f}"
    )


def cells(run: Run) -> list[list[str]]:
    out = []
    for side in SIDES:
        p95 = run.pct(side, 95)
        target = "" if side == "raw" else ("met" if p95 < TARGET_MS else "not met")
        if side == "api":
            ratio = p95 / run.pct("bare", 95)
            target += (
                f"; {'met' if ratio <= TARGET_RATIO else 'not met'}: <= {TARGET_RATIO:.0f}x bare"
            )
        out.append([side, f"{run.pct(side, 50):.2f}", f"{p95:.2f}",
                    f"{p95 / run.pct('bare', 95):.2f}", target])  # fmt: skip
    return out


def report(runs: list[Run], args: argparse.Namespace) -> None:
    wide = Console(width=max(Console().width, 140))
    for run in runs:
        table = Table(title=title(run, args))
        for column in HEAD:
            table.add_column(column, justify="left" if column == "side" else "right")
        for row in cells(run):
            table.add_row(*row)
        wide.print(table)
        slow = sorted(run.by_question.items(), key=lambda kv: -statistics.median(kv[1]))[:3]
        for q, ms in slow:
            wide.print(f"  slowest via API: {statistics.median(ms):.1f} ms median  {q!r}")
        recall_ok = "met" if run.recall >= TARGET_RECALL else "not met"
        wide.print(f"  recall@5 {run.recall:.3f} (target >= {TARGET_RECALL}: {recall_ok})")
        for miss in run.misses:
            wide.print(f"  miss: {miss}")
    if args.markdown:
        lines: list[str] = []
        for run in runs:
            lines += [f"{title(run, args)}:", "", "| " + " | ".join(HEAD) + " |"]
            lines += ["| --- |" + " ---: |" * (len(HEAD) - 2) + " --- |"]
            lines += ["| " + " | ".join(row) + " |" for row in cells(run)] + [""]
        print("\n".join(lines))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.knowledge", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--entries", type=int, default=100_000, help="distractors (100,000)")
    parser.add_argument("--repeats", type=int, default=10, help="timed calls per question, side")
    parser.add_argument("--warm-up", type=int, default=2, help="untimed calls per question, side")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    args = parser.parse_args(argv)
    if args.entries < 1 or args.repeats < 2:
        parser.error("--entries must be at least 1 and --repeats at least 2")
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    began = time.perf_counter()
    _text, _questions, doc_ids = labelled()
    with progress_bar() as progress:
        rows = tokenised(args.entries, len(doc_ids) + 1, progress)
    runs = []
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        with tempfile.TemporaryDirectory(prefix=f"sluice-bench-knowledge-{db}-") as tmp:
            run = run_db(db, rows, args, Path(tmp))
        if run is not None:
            runs.append(run)
    report(runs, args)
    console.print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
