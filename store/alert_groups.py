"""What an alert group's flush reads and writes: its members with their alerts, the firing
alerts that can inhibit, the silences members name; member state, alert events and the
group row, in one transaction per flush."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select, update

from sluice.alerting.grouping import Member, SilenceFacts
from sluice.alerting.routing import AlertRouting
from store.models import (
    Alert,
    AlertEvent,
    AlertGroup,
    AlertGroupMember,
    AlertGroupStatus,
    AlertStatus,
    Silence,
)

ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
EVENTS: Table = AlertEvent.__table__  # type: ignore[attr-defined]
MEMBERS: Table = AlertGroupMember.__table__  # type: ignore[attr-defined]
GROUPS: Table = AlertGroup.__table__  # type: ignore[attr-defined]
SILENCES: Table = Silence.__table__  # type: ignore[attr-defined]
SOURCE_BATCH = 1000  # firing alerts read at a time while looking for inhibition sources


def members(conn: Connection, group_id: str) -> list[tuple[Member, dict[str, Any]]]:
    """The group's members, each with its alert row (as a dict)."""
    query = (
        select(MEMBERS, ALERTS)
        .join(ALERTS, ALERTS.c.fingerprint == MEMBERS.c.fingerprint)
        .where(MEMBERS.c.group_id == group_id)
        .order_by(ALERTS.c.starts_at, ALERTS.c.fingerprint)
    )
    out = []
    for row in conn.execute(query).mappings():
        alert = {column.key: row[column] for column in ALERTS.c}
        member = Member(
            row[MEMBERS.c.fingerprint], alert["status"], dict(alert["labels"]),
            row[MEMBERS.c.notified], row[MEMBERS.c.reason], row[MEMBERS.c.silence_id],
        )  # fmt: skip
        out.append((member, alert))
    return out


def inhibition_sources(conn: Connection, routing: AlertRouting) -> list[dict[str, Any]]:
    """The labels of every firing alert that some inhibit rule takes as a source. Read in
    batches and filtered as they come, so a storm of alerts that inhibit nothing costs a
    flush little memory, and nothing at all while the routing has no inhibit rules."""
    if not routing.inhibit_rules:
        return []
    query = select(ALERTS.c.labels).where(ALERTS.c.status == AlertStatus.firing)
    rows = conn.execution_options(yield_per=SOURCE_BATCH).execute(query)
    return [dict(labels) for (labels,) in rows if routing.inhibition_source(labels)]


def silence_facts(conn: Connection, ids: Iterable[int]) -> dict[int, SilenceFacts]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(
        SILENCES.c.id, SILENCES.c.ends_at, SILENCES.c.notify_resolved, SILENCES.c.notify_on_expiry
    ).where(SILENCES.c.id.in_(wanted))
    return {r.id: SilenceFacts(r.ends_at, r.notify_resolved, r.notify_on_expiry)
            for r in conn.execute(query)}  # fmt: skip


def save_members(conn: Connection, group_id: str, changed: Sequence[Member], now: datetime) -> None:
    for m in changed:
        conn.execute(
            update(MEMBERS)
            .where(MEMBERS.c.group_id == group_id, MEMBERS.c.fingerprint == m.fingerprint)
            .values(notified=m.notified, reason=m.reason, silence_id=m.silence_id, updated_at=now)
        )


def add_events(
    conn: Connection, events: Iterable[tuple[str, str, str, Mapping[str, Any]]], now: datetime
) -> None:
    """Alert events (fingerprint, kind, status, detail) that Sluice itself makes."""
    rows = [
        {"fingerprint": fp, "kind": kind, "status": status, "at": now, "source": "sluice",
         "delivery_id": "", "detail": dict(detail)}
        for fp, kind, status, detail in events
    ]  # fmt: skip
    if rows:
        conn.execute(EVENTS.insert(), rows)


def update_group(conn: Connection, group_id: str, now: datetime, **values: Any) -> None:
    conn.execute(update(GROUPS).where(GROUPS.c.id == group_id).values(updated_at=now, **values))


def group_row(conn: Connection, group_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(GROUPS).where(GROUPS.c.id == group_id)).mappings().first()
    return dict(row) if row else None


def group_counts(firing: int, total: int) -> dict[str, Any]:
    status = AlertGroupStatus.firing if firing else AlertGroupStatus.resolved
    return {"status": status, "firing": firing, "resolved": total - firing}


def resolve_by_hand(
    conn: Connection, group_id: str, detail: dict[str, Any], now: datetime
) -> list[str]:
    """Mark the group's firing alerts resolved (an operator says so, `detail` who); their
    fingerprints."""
    query = (
        select(ALERTS.c.fingerprint)
        .join(MEMBERS, MEMBERS.c.fingerprint == ALERTS.c.fingerprint)
        .where(MEMBERS.c.group_id == group_id, ALERTS.c.status == AlertStatus.firing)
    )
    fingerprints = [fp for (fp,) in conn.execute(query)]
    for fp in fingerprints:
        conn.execute(
            update(ALERTS)
            .where(ALERTS.c.fingerprint == fp)
            .values(status=AlertStatus.resolved, ends_at=now, last_seen_at=now)
        )
    add_events(
        conn,
        [(fp, AlertStatus.resolved, AlertStatus.resolved, {**detail, "group_id": group_id})
         for fp in fingerprints],
        now,
    )  # fmt: skip
    return fingerprints
