"""The measured `GET /api/v1/tasks` cases and the raw driver that answers them by hand."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlmodel import Session, select

from api.services.keyset import encode_cursor
from api.services.tasks import TASKS
from bench.api_seed import END, RULES
from store.db import make_engine
from store.models import RoutingRule, Task

LIMIT = 50
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite


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

    def dicts(self, sql: str, args: Any) -> list[dict[str, Any]]:
        cursor = self._conn.execute(sql, args)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def plan(self, sql: str, args: Any) -> str:
        """The plan the database picks; on PostgreSQL also what it cost (EXPLAIN ANALYZE)."""
        if self.dialect == "sqlite":
            return "\n".join(str(row[-1]) for row in self.rows("EXPLAIN QUERY PLAN " + sql, args))
        return "\n".join(
            str(row[0]) for row in self.rows("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
        )

    def close(self) -> None:
        self._conn.close()
