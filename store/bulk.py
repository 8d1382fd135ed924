"""Many rows in one short statement.

A multi-row `INSERT … VALUES (…), (…)` of a few hundred parameters is a long SQL text that
the PostgreSQL driver re-parses on every call (its statement cache stops at 50 parameters),
which costs more CPU than the insert itself. On PostgreSQL the rows go instead as one JSON
document — `INSERT … SELECT … FROM json_to_recordset(:rows) AS r(a type, b type, …)` — so the
statement has one parameter whatever the number of rows, and the encoding is the C JSON
encoder's. SQLite takes the usual executemany.

`Inserts` gathers the rows of a write that fills several tables and, on PostgreSQL, inserts
them all with one statement (each table's insert a data-modifying `WITH`): one round trip
instead of one per table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Connection, Table, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import Dialect


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    ignore_conflicts: bool = False,
    returning: Column[Any] | None = None,
) -> list[Any]:
    """Insert `rows` (all with the same keys); with `ignore_conflicts`, rows that collide
    with a unique key are skipped. The `returning` column of each inserted row, if asked."""
    if not rows:
        return []
    columns = tuple(rows[0])
    if conn.dialect.name != "postgresql":
        statement = sqlite_insert(table)
        if ignore_conflicts:
            statement = statement.on_conflict_do_nothing()
        if returning is None:
            conn.execute(statement, list(rows))
            return []
        return list(conn.execute(statement.returning(returning), list(rows)).scalars())
    statement = _recordset_insert(
        conn.dialect,
        table,
        columns,
        ignore_conflicts,
        None if returning is None else returning.name,
    )
    result = conn.execute(statement, {"rows": _dumps(rows)})
    return list(result.scalars()) if returning is not None else []


@dataclass
class Inserts:
    """Rows for several tables, inserted by `run` in the order added."""

    parts: list[tuple[Table, Sequence[Mapping[str, Any]], bool]] = field(default_factory=list)

    def add(
        self, table: Table, rows: Sequence[Mapping[str, Any]], *, ignore_conflicts: bool = False
    ) -> None:
        """`insert_many(table, rows, ignore_conflicts=…)`, at `run`."""
        if rows:
            self.parts.append((table, rows, ignore_conflicts))

    def run(self, conn: Connection) -> None:
        parts, self.parts = self.parts, []
        if conn.dialect.name != "postgresql" or len(parts) < 2:
            for table, rows, ignore_conflicts in parts:
                insert_many(conn, table, rows, ignore_conflicts=ignore_conflicts)
            return
        shapes = tuple((table, tuple(rows[0]), ignore) for table, rows, ignore in parts)
        documents = {f"rows{i}": _dumps(rows) for i, (_, rows, _) in enumerate(parts)}
        conn.execute(_together(conn.dialect, shapes), documents)


def _dumps(rows: Sequence[Mapping[str, Any]]) -> str:
    """`rows` as JSON, times in ISO 8601 (each distinct time formatted once: a write's rows
    mostly share its one `now`)."""
    formatted: dict[datetime, str] = {}

    def iso(value: Any) -> str:
        if isinstance(value, datetime):
            text = formatted.get(value)
            if text is None:
                text = formatted[value] = value.isoformat()
            return text
        raise TypeError(f"cannot store {type(value).__name__} as JSON")

    return json.dumps(rows, default=iso)


@cache
def _together(dialect: Dialect, shapes: tuple[tuple[Table, tuple[str, ...], bool], ...]) -> Any:
    inserts = [
        f"i{i} AS ({_insert_sql(dialect, table, columns, ignore, None, f'rows{i}')})"
        for i, (table, columns, ignore) in enumerate(shapes)
    ]
    return text(f"WITH {', '.join(inserts)} SELECT 1")


@cache
def _recordset_insert(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    ignore_conflicts: bool,
    returning: str | None,
) -> Any:
    return text(_insert_sql(dialect, table, columns, ignore_conflicts, returning, "rows"))


def _insert_sql(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    ignore_conflicts: bool,
    returning: str | None,
    parameter: str,
) -> str:
    process = dialect.type_compiler_instance.process
    shape = ", ".join(f'"{name}" {process(table.c[name].type)}' for name in columns)
    quoted = ", ".join(f'"{name}"' for name in columns)
    sql = (
        f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} '
        f"FROM json_to_recordset(CAST(:{parameter} AS JSON)) AS r({shape})"
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning is not None:
        sql += f' RETURNING "{returning}"'
    return sql
