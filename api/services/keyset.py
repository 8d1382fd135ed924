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

T = TypeVar("T")
Position = tuple[datetime, str]

# Rows one page of a path-substring search may examine: index entries plus a primary-key
# lookup of each candidate's file, so a page costs the same whatever the substring.
SCAN_ROWS = 10_000


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
    raw = json.dumps([at.isoformat(), key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, key = json.loads(raw)
        parsed = datetime.fromisoformat(at)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor(f"invalid cursor {cursor!r}") from exc
    if parsed.tzinfo is None or not isinstance(key, str):
        raise InvalidCursor(f"invalid cursor {cursor!r}")
    return parsed, key
