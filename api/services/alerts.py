"""Reading alerts: newest-seen first in keyset pages, filtered; one alert with its timeline.

Status, severity, source and the time range are indexed conditions. Label matchers
(`name=value`, `name!=value`, `name=~regex`, `name!~regex`, regexes fully anchored and run on
RE2) test the stored label JSON, so a page that has them examines at most `SCAN_ROWS` alerts,
as a path search does (api/services/keyset.py): it may hold fewer than `limit` items and
still have a `next_cursor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.services.keyset import SCAN_ROWS, Keyset, Page, Position, decode_cursor, page_of
from sluice.alerting.matchers import Matcher
from store.models import Alert, AlertEvent

ALERTS = Keyset(Alert.last_seen_at, Alert.fingerprint)
CHUNK = 500  # alerts read at a time while matching labels


def list_alerts(
    session: Session,
    *,
    status: str | None = None,
    severity: str | None = None,
    source: str | None = None,
    matchers: Sequence[Matcher] = (),
    seen_from: datetime | None = None,
    seen_to: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Alert]:
    conditions: list[Any] = []
    for column, value in ((Alert.status, status), (Alert.severity, severity),
                          (Alert.source, source)):  # fmt: skip
        if value is not None:
            conditions.append(col(column) == value)
    if seen_from is not None:
        conditions.append(col(Alert.last_seen_at) >= seen_from)
    if seen_to is not None:
        conditions.append(col(Alert.last_seen_at) < seen_to)
    after = decode_cursor(cursor) if cursor is not None else None
    if not matchers:
        rows = _chunk(session, conditions, after, limit + 1)
        return page_of(rows, limit=limit, window_end=None, position=_position)
    matched: list[Alert] = []
    examined = 0
    while examined < SCAN_ROWS and len(matched) <= limit:
        wanted = min(CHUNK, SCAN_ROWS - examined)
        rows = _chunk(session, conditions, after, wanted)
        examined += len(rows)
        for row in rows:
            after = _position(row)
            if all(matcher(row.labels) for matcher in matchers):
                matched.append(row)
                if len(matched) > limit:
                    break
        if len(rows) < wanted:
            after = None  # nothing further to examine
            break
    window_end = after if examined >= SCAN_ROWS else None
    return page_of(matched, limit=limit, window_end=window_end, position=_position)


def _chunk(
    session: Session, conditions: list[Any], after: Position | None, n: int
) -> Sequence[Alert]:
    where = [*conditions, ALERTS.before(after)] if after is not None else conditions
    return session.exec(select(Alert).where(*where).order_by(*ALERTS.order()).limit(n)).all()


def _position(alert: Alert) -> Position:
    return alert.last_seen_at, alert.fingerprint


def get_alert(session: Session, fingerprint: str) -> tuple[Alert, list[AlertEvent]] | None:
    """An alert and its events, oldest first; None if there is no such alert."""
    alert = session.get(Alert, fingerprint)
    if alert is None:
        return None
    query = select(AlertEvent).where(AlertEvent.fingerprint == fingerprint)
    return alert, list(session.exec(query.order_by(col(AlertEvent.id))).all())
