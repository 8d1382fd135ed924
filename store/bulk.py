"""Many rows in one short statement.

A multi-row `INSERT … VALUES (…), (…)` of a few hundred parameters is a long SQL text that
the PostgreSQL driver re-parses on every call (its statement cache stops at 50 parameters),
which costs more CPU than the insert itself. On PostgreSQL the rows go instead as one JSON
document — `INSERT … SELECT … FROM json_to_recordset(:rows) AS r(a type, b type, …)` — so the
statement has one parameter whatever the number of rows, and the encoding is the C JSON
encoder's. SQLite takes the usual executemany.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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
    result = conn.execute(statement, {"rows": json.dumps(rows, default=_iso)})
    return list(result.scalars()) if returning is not None else []


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


@cache
def _recordset_insert(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    ignore_conflicts: bool,
    returning: str | None,
) -> Any:
    process = dialect.type_compiler_instance.process
    shape = ", ".join(f'"{name}" {process(table.c[name].type)}' for name in columns)
    quoted = ", ".join(f'"{name}"' for name in columns)
    sql = (
        f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} '
        f"FROM json_to_recordset(CAST(:rows AS JSON)) AS r({shape})"
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning is not None:
        sql += f' RETURNING "{returning}"'
    return text(sql)
