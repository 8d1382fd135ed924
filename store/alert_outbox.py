"""The dispatch outbox: which group workflows must hear of which alert changes.

Rows are written in the delivery's transaction (so a committed alert always reaches its
group) and deleted once the group workflow has been signalled. Signalling twice is harmless:
a group reads its alerts from the database at every flush.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, select

from sluice.alerts import IncomingAlert
from store.alerting import live_routing
from store.bulk import insert_many
from store.models import AlertGroup, AlertGroupMember, AlertGroupStatus, AlertOutbox, AlertStatus
from store.models.alerts import Alert

OUTBOX: Table = AlertOutbox.__table__  # type: ignore[attr-defined]
MEMBERS: Table = AlertGroupMember.__table__  # type: ignore[attr-defined]
GROUPS: Table = AlertGroup.__table__  # type: ignore[attr-defined]
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
PAGE = 500  # rows a drain reads at once


@dataclass(frozen=True)
class OutboxRow:
    id: str
    group_id: str
    route: str
    group_labels: dict[str, Any]
    fingerprint: str


def route_changes(
    conn: Connection, changed: Sequence[IncomingAlert], *, now: datetime
) -> list[OutboxRow]:
    """Outbox rows for the groups of every changed alert under the live routing; the caller
    commits. An alert that resolves also wakes the groups whose alerts were held back by an
    inhibition, so those are judged again (and told, if nothing mutes them now)."""
    if not changed:
        return []
    live = live_routing(conn)
    rows: list[OutboxRow] = []
    members: dict[tuple[str, str], dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for alert in changed:
        for route in live.routing.routes_for(alert.labels):
            row = OutboxRow(
                uuid.uuid4().hex, route.group_id(alert.labels), route.name,
                route.group_labels(alert.labels), alert.fingerprint,
            )  # fmt: skip
            members[row.group_id, row.fingerprint] = _member(row, now)
            groups.setdefault(row.group_id, _group(row, alert.status, now))
            rows.append(row)
    if any(alert.status == AlertStatus.resolved for alert in changed):
        rows += _inhibited_groups(conn, exclude={row.group_id for row in rows})
    # Batches in key order (concurrent deliveries lock in the same order): an alert becomes a
    # member of its group, and the group is listed from now on.
    insert_many(conn, MEMBERS, [members[k] for k in sorted(members)], ignore_conflicts=True)
    insert_many(conn, GROUPS, [groups[k] for k in sorted(groups)], ignore_conflicts=True)
    outbox = [{**row.__dict__, "routing_version": live.version, "created_at": now} for row in rows]
    insert_many(conn, OUTBOX, outbox)
    return rows


def wake_held_by_silence(conn: Connection, silence_id: int, *, now: datetime) -> list[OutboxRow]:
    """Outbox rows for the groups whose firing alerts the silence holds back; the caller
    commits. A silence expired early or edited is judged again now, not when its old end
    (the time the group sleeps until) comes."""
    query = (
        select(GROUPS.c.id, GROUPS.c.route, GROUPS.c.group_labels, MEMBERS.c.fingerprint)
        .join(MEMBERS, MEMBERS.c.group_id == GROUPS.c.id)
        .join(ALERTS, ALERTS.c.fingerprint == MEMBERS.c.fingerprint)
        .where(
            and_(
                MEMBERS.c.reason == "silenced",
                MEMBERS.c.silence_id == silence_id,
                ALERTS.c.status == AlertStatus.firing,
            )
        )
        .limit(1000)
    )
    rows = _one_per_group(conn.execute(query).mappings(), exclude=set())
    if rows:
        version = live_routing(conn).version
        outbox = [{**r.__dict__, "routing_version": version, "created_at": now} for r in rows]
        insert_many(conn, OUTBOX, outbox)
    return rows


def pending(conn: Connection, *, limit: int = PAGE) -> list[OutboxRow]:
    """The oldest rows not yet dispatched."""
    query = select(OUTBOX).order_by(OUTBOX.c.created_at, OUTBOX.c.id).limit(limit)
    return [_row(r) for r in conn.execute(query).mappings()]


def remove(conn: Connection, ids: Iterable[str]) -> None:
    ids = list(ids)
    if ids:
        conn.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(ids)))


def _member(row: OutboxRow, now: datetime) -> dict[str, Any]:
    return {"group_id": row.group_id, "fingerprint": row.fingerprint, "notified": "",
            "reason": "", "updated_at": now}  # fmt: skip


def _group(row: OutboxRow, status: str, now: datetime) -> dict[str, Any]:
    return {
        "id": row.group_id, "route": row.route, "group_labels": row.group_labels,
        "status": AlertGroupStatus.firing if status == AlertStatus.firing
        else AlertGroupStatus.resolved,
        "firing": 0, "resolved": 0, "acked_by": "", "acked_on_behalf_of": "", "assignee": "",
        "escalation_step": 0,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def _inhibited_groups(conn: Connection, exclude: set[str]) -> list[OutboxRow]:
    query = (
        select(GROUPS.c.id, GROUPS.c.route, GROUPS.c.group_labels, MEMBERS.c.fingerprint)
        .join(MEMBERS, MEMBERS.c.group_id == GROUPS.c.id)
        .join(ALERTS, ALERTS.c.fingerprint == MEMBERS.c.fingerprint)
        .where(and_(MEMBERS.c.reason == "inhibited", ALERTS.c.status == AlertStatus.firing))
        .limit(1000)
    )
    return _one_per_group(conn.execute(query).mappings(), exclude)


def _one_per_group(found_rows: Iterable[Any], exclude: set[str]) -> list[OutboxRow]:
    """An outbox row for each group of `found_rows` (group columns and a member's
    fingerprint) not in `exclude`."""
    found: dict[str, OutboxRow] = {}
    for r in found_rows:
        if r["id"] not in exclude and r["id"] not in found:
            found[r["id"]] = OutboxRow(
                uuid.uuid4().hex, r["id"], r["route"], dict(r["group_labels"]), r["fingerprint"]
            )
    return list(found.values())


def _row(r: Any) -> OutboxRow:
    return OutboxRow(r["id"], r["group_id"], r["route"], dict(r["group_labels"]), r["fingerprint"])
