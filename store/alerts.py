"""Idempotent alert writes: one transaction per delivery, one row per fingerprint.

Senders retry (Alertmanager on a 5xx, Prometheus every resend interval), so a report that
leaves an alert as it was is counted (`received`, `deduplicated`) and writes no event. As in
store/records.py, a new alert is one INSERT that yields to a concurrent writer's row; an
existing one is locked (PostgreSQL `FOR UPDATE`; SQLite holds its write lock from the first
INSERT), compared and updated. Alerts are written in fingerprint order, so two deliveries
sharing alerts lock them in the same order and cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from sluice.alerts import IncomingAlert
from store.bulk import insert_many
from store.models import Alert, AlertEvent, AlertStatus
from store.records import insert_absent

ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
EVENTS: Table = AlertEvent.__table__  # type: ignore[attr-defined]
ALERT_ROW = select(ALERTS).where(ALERTS.c.fingerprint == bindparam("k")).with_for_update()
UPDATE_ALERT = update(ALERTS).where(ALERTS.c.fingerprint == bindparam("k"))
# What makes a report a change; for a firing alert `ends_at` is not kept, so resends that
# only push it forward stay deduplicated.
STATE = ("status", "starts_at", "ends_at", "annotations", "severity", "generator_url")


def write_delivery(
    conn: Connection,
    alerts: Iterable[IncomingAlert],
    *,
    source: str,
    delivery_id: str,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
    changed: list[IncomingAlert] | None = None,
) -> dict[str, int]:
    """Apply one delivery's alerts; the caller commits. Counts of `received` alerts and of
    those `deduplicated` (changed nothing), for the metrics; the alerts that changed are
    appended to `changed` (their groups hear of them).

    A few statements per delivery, whatever its size: one INSERT of the alerts not yet
    known, one locked SELECT of the others, their UPDATEs and the events as batches."""
    reports = sorted(alerts, key=lambda a: a.fingerprint)
    counts = {"received": len(reports), "deduplicated": 0}
    if not reports:
        return counts
    if len({a.fingerprint for a in reports}) < len(reports):  # one alert reported twice
        kinds = [(alert, _apply(conn, alert, source=source, now=now)) for alert in reports]
    else:
        kinds = _apply_all(conn, reports, source=source, now=now)
    events = [
        {"fingerprint": alert.fingerprint, "kind": kind, "status": alert.status, "at": now,
         "source": source, "delivery_id": delivery_id, "detail": dict(detail or {})}
        for alert, kind in kinds if kind is not None
    ]  # fmt: skip
    counts["deduplicated"] = len(reports) - len(events)
    insert_many(conn, EVENTS, events)
    if changed is not None:
        changed.extend(alert for alert, kind in kinds if kind is not None)
    return counts


def _apply_all(
    conn: Connection, reports: list[IncomingAlert], *, source: str, now: datetime
) -> list[tuple[IncomingAlert, str | None]]:
    """`reports` (distinct fingerprints, in order) written; each with the event it makes."""
    rows = [_new_row(alert, source, now) for alert in reports]
    fingerprint = ALERTS.c.fingerprint
    inserted = set(insert_many(conn, ALERTS, rows, ignore_conflicts=True, returning=fingerprint))
    known = [alert for alert in reports if alert.fingerprint not in inserted]
    current = {}
    if known:
        locked = select(ALERTS).where(ALERTS.c.fingerprint.in_([a.fingerprint for a in known]))
        found = conn.execute(locked.order_by(ALERTS.c.fingerprint).with_for_update()).mappings()
        current = {row["fingerprint"]: row for row in found}
    kinds: list[tuple[IncomingAlert, str | None]] = []
    updates: list[dict[str, Any]] = []
    for alert in reports:
        if alert.fingerprint in inserted:
            kinds.append((alert, alert.status))
            continue
        kind, values = _changed(current[alert.fingerprint], alert, source, now)
        kinds.append((alert, kind))
        updates.append({**values, "k": alert.fingerprint})
    for columns in {tuple(sorted(u)) for u in updates}:  # one batch per shape of UPDATE
        batch = [u for u in updates if tuple(sorted(u)) == columns]
        conn.execute(UPDATE_ALERT, batch)  # SET takes the keys of the first
    return kinds


def _apply(conn: Connection, alert: IncomingAlert, *, source: str, now: datetime) -> str | None:
    """Write `alert`; the event kind it makes, or None if it changed nothing."""
    if insert_absent(conn, ALERTS, _new_row(alert, source, now)):
        return alert.status
    row = conn.execute(ALERT_ROW, {"k": alert.fingerprint}).mappings().one()
    kind, values = _changed(row, alert, source, now)
    conn.execute(UPDATE_ALERT, {**values, "k": alert.fingerprint})
    return kind


def _new_row(alert: IncomingAlert, source: str, now: datetime) -> dict[str, Any]:
    return _state(alert, now) | {
        "fingerprint": alert.fingerprint, "labels": alert.labels, "first_seen_at": now,
        "last_seen_at": now, "received": 1, "deduplicated": 0, "source": source,
    }  # fmt: skip


def _changed(
    row: Mapping[Any, Any], alert: IncomingAlert, source: str, now: datetime
) -> tuple[str | None, dict[str, Any]]:
    """The event `alert` makes of the stored `row`, and the columns to update."""
    seen = {"last_seen_at": now, "received": row["received"] + 1, "source": source}
    # A firing report without a start time continues a firing alert, or starts a new one.
    firing = row["status"] == AlertStatus.firing
    state = _state(alert, row["starts_at"] if firing else now)
    kind = _change(row, state)
    if kind is None:
        return None, {**seen, "deduplicated": row["deduplicated"] + 1}
    return kind, {**state, **seen}


def _state(alert: IncomingAlert, known_start: datetime) -> dict[str, Any]:
    """The columns `alert` sets; without a start time it keeps `known_start`."""
    return {
        "status": alert.status, "starts_at": alert.starts_at or known_start,
        "ends_at": alert.ends_at,
        "annotations": alert.annotations, "severity": alert.severity,
        "generator_url": alert.generator_url,
    }  # fmt: skip


def _change(row: Mapping[Any, Any], state: Mapping[str, Any]) -> str | None:
    """The event `state` makes of `row`: None for a redelivery or a stale report (a firing
    one of an occurrence that has resolved already: it started no later than that one)."""
    status = state["status"]
    if row["status"] == AlertStatus.resolved and status == AlertStatus.firing:
        return AlertStatus.firing if state["starts_at"] > row["starts_at"] else None
    if row["status"] != status:
        return str(status)
    return "updated" if any(state[key] != row[key] for key in STATE) else None
