"""Keyset pages newest first on (timestamp, id), shared by the task and file lists.

A cursor is the (timestamp, id) of the last row a page covered; the next page asks for rows
strictly before it, which an index on (…, timestamp, id) answers as a range scan however deep
the page. Filters no btree can serve (a path substring) go through a *scan window*: a page
examines at most `SCAN_ROWS` rows that the indexed filters select, so its cost is bounded even
when few rows match; such a page may hold fewer than `limit` items, even none, and still
have a `next_cursor` that continues after the window.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Tuple, bindparam, tuple_
from sqlmodel import Session, col, select

from store.models.common import INT_MAX, check_time

T = TypeVar("T")
Position = tuple[datetime, str]

# Rows one page of a path-substring search may examine: index entries plus a primary-key
# lookup of each candidate's file, so a page costs the same whatever the substring.
SCAN_ROWS = 10_000
# Cursors this API writes are far shorter; longer ones are refused before decoding.
MAX_CURSOR_LENGTH = 512
MAX_KEY_LENGTH = 200


class InvalidCursor(ValueError):
    """A `cursor` that this API did not hand out."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Keyset:
    """A newest-first order on a timestamp column, the primary key breaking ties."""

    at: Any  # the model's timestamp attribute, e.g. Task.created_at
    key: Any  # its string primary key, e.g. Task.id

    def order(self) -> list[Any]:
        return [col(self.at).desc(), col(self.key).desc()]

    def before(self, position: Position) -> ColumnElement[bool]:
        return self.columns() < tuple_(*position)

    def not_before(self, position: Position) -> ColumnElement[bool]:
        return self.columns() >= tuple_(*position)

    def columns(self) -> Tuple:
        return tuple_(self.at, self.key)

    def bound(self, name: str) -> Tuple:
        """A position given when the statement runs, as `bind(name, position)` names it."""
        return tuple_(
            bindparam(f"{name}_at", type_=self.at.type),
            bindparam(f"{name}_key", type_=self.key.type),
        )

    @staticmethod
    def bind(name: str, position: Position) -> dict[str, Any]:
        return {f"{name}_at": position[0], f"{name}_key": position[1]}

    def window_query(self, conditions: Sequence[Any]) -> Select[Any]:
        """The last of the next `SCAN_ROWS` rows matching `conditions` (bind `scan_offset`).

        The same index range scan as the page itself, stopping after SCAN_ROWS entries.
        """
        return (
            select(self.at, self.key)
            .where(*conditions)
            .order_by(*self.order())
            .offset(bindparam("scan_offset"))
            .limit(1)
        )

    def window_end(self, session: Session, conditions: Sequence[Any]) -> Position | None:
        """The last of the next `SCAN_ROWS` rows matching `conditions`; None if fewer remain."""
        row = session.connection().execute(self.window_query(conditions), window_params()).first()
        return (row[0], row[1]) if row is not None else None


def window_params() -> dict[str, int]:
    return {"scan_offset": SCAN_ROWS - 1}


def page_of(
    rows: Sequence[T], *, limit: int, window_end: Position | None, position: Callable[[T], Position]
) -> Page[T]:
    """A page from up to `limit + 1` rows fetched newest first (the extra one says "more")."""
    if len(rows) > limit:
        return Page(list(rows[:limit]), encode_cursor(*position(rows[limit - 1])))
    return Page(list(rows), encode_cursor(*window_end) if window_end else None)


def encode_cursor(at: datetime, key: str) -> str:
    return _encode([at.isoformat(), key])


def decode_cursor(cursor: str) -> Position:
    """The position in a cursor from `encode_cursor`; InvalidCursor for anything else."""
    match _decode(cursor):
        # No key holds NUL, and PostgreSQL text cannot (a query with one fails, not 422).
        case [str() as at, str() as key] if len(key) <= MAX_KEY_LENGTH and "\x00" not in key:
            try:
                parsed = check_time(datetime.fromisoformat(at))
            except ValueError:  # not a time, or one no row can have
                raise _invalid(cursor) from None
            if parsed.tzinfo is not None:
                return parsed, key
    raise _invalid(cursor)


def encode_id_cursor(row_id: int) -> str:
    """A cursor for a list paged on an integer primary key alone (the audit log)."""
    return _encode([row_id])


def decode_id_cursor(cursor: str) -> int:
    match _decode(cursor):
        case [int() as row_id] if 1 <= row_id <= INT_MAX and not isinstance(row_id, bool):
            return row_id
    raise _invalid(cursor)


def _encode(value: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    """The JSON inside a cursor, or None if it is not base64 of JSON."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        return None


def _invalid(cursor: str) -> InvalidCursor:
    shown = cursor if len(cursor) <= 60 else cursor[:60] + "…"
    return InvalidCursor(f"cursor: not a next_cursor from this API: {shown!r}")
