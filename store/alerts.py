"""Idempotent alert writes: one row per fingerprint, and a delivery written whole in one
transaction (several that arrive together may share one).

Senders retry (Alertmanager on a 5xx, Prometheus every resend interval), so a report that
leaves an alert as it was is counted (`received`, `deduplicated`) and writes no event. As in
store/records.py, a new alert is one INSERT that yields to a concurrent writer's row; an
existing one is locked (PostgreSQL `FOR UPDATE`; SQLite holds its write lock from the first
INSERT), compared and updated. Alerts are written in fingerprint order, so two deliveries
sharing alerts lock them in the same order and cannot deadlock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from sluice.alerts import IncomingAlert
from store.bulk import Inserts, insert_many
from store.models import Alert, AlertEvent, AlertStatus
from store.records import insert_absent

ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
EVENTS: Table = AlertEvent.__table__  # type: ignore[attr-defined]
ALERT_ROW = select(ALERTS).where(ALERTS.c.fingerprint == bindparam("k")).with_for_update()
UPDATE_ALERT = update(ALERTS).where(ALERTS.c.fingerprint == bindparam("k"))
# What makes a report a change; for a firing alert `ends_at` is not kept, so resends that
# only push it forward stay deduplicated.
STATE = ("status", "starts_at", "ends_at", "annotations", "severity", "generator_url")


@dataclass(frozen=True)
class Delivered:
    """One delivery's alerts and where they came from."""

    alerts: Sequence[IncomingAlert]
    source: str
    delivery_id: str  # a redelivery has the same id
    detail: Mapping[str, Any]


def write_deliveries(
    conn: Connection,
    deliveries: Sequence[Delivered],
    *,
    now: datetime,
    changed: list[IncomingAlert],
    inserts: Inserts,
) -> list[dict[str, int]]:
    """Apply deliveries' alerts, in order; the caller commits. A few statements for them all
    whatever their size: one INSERT of the alerts not yet known, one locked SELECT of the
    others, their UPDATEs; their events join `inserts` (the caller runs it).

    The counts of each delivery: `received` alerts and those `deduplicated` (changed
    nothing), for the metrics. The alerts that changed are appended to `changed` (their
    groups hear of them)."""
    reports = sorted(  # two writers sharing alerts lock them in the same order: no deadlock
        ((alert, d) for d in deliveries for alert in d.alerts), key=lambda r: r[0].fingerprint
    )  # (stable: an alert reported twice keeps its order)
    if len({alert.fingerprint for alert, _ in reports}) < len(reports):
        if len(deliveries) > 1:  # an alert reported twice: one delivery after the other
            return [
                write_deliveries(conn, [d], now=now, changed=changed, inserts=inserts)[0]
                for d in deliveries
            ]
        kinds = [(a, _apply(conn, a, source=d.source, now=now)) for a, d in reports]
    else:
        kinds = _apply_all(conn, reports, now=now)
    events = [
        {"fingerprint": alert.fingerprint, "kind": kind, "status": alert.status, "at": now,
         "source": delivered.source, "delivery_id": delivered.delivery_id,
         "detail": dict(delivered.detail)}
        for (alert, kind), (_, delivered) in zip(kinds, reports, strict=True)
        if kind is not None
    ]  # fmt: skip
    inserts.add(EVENTS, events)
    changed.extend(alert for alert, kind in kinds if kind is not None)
    same = Counter(id(d) for (_, kind), (_, d) in zip(kinds, reports, strict=True) if kind is None)
    return [{"received": len(d.alerts), "deduplicated": same[id(d)]} for d in deliveries]


def _apply_all(
    conn: Connection, reports: list[tuple[IncomingAlert, Delivered]], *, now: datetime
) -> list[tuple[IncomingAlert, str | None]]:
    """`reports` (distinct fingerprints, in order) written; each with the event it makes."""
    rows = [_new_row(alert, d.source, now) for alert, d in reports]
    fingerprint = ALERTS.c.fingerprint
    inserted = set(insert_many(conn, ALERTS, rows, ignore_conflicts=True, returning=fingerprint))
    known = [alert for alert, _ in reports if alert.fingerprint not in inserted]
    current = {}
    if known:
        locked = select(ALERTS).where(ALERTS.c.fingerprint.in_([a.fingerprint for a in known]))
        found = conn.execute(locked.order_by(ALERTS.c.fingerprint).with_for_update()).mappings()
        current = {row["fingerprint"]: row for row in found}
    kinds: list[tuple[IncomingAlert, str | None]] = []
    updates: list[dict[str, Any]] = []
    for alert, delivered in reports:
        if alert.fingerprint in inserted:
            kinds.append((alert, alert.status))
            continue
        kind, values = _changed(current[alert.fingerprint], alert, delivered.source, now)
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
