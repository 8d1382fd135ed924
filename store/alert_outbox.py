"""The dispatch outbox: which group workflows must hear of which alert changes.

Rows are written in the delivery's transaction (so a committed alert always reaches its
group), one per group the delivery changed, naming the alerts it changed there, and deleted
once the group workflow has been signalled. Signalling twice is harmless: a group reads its
alerts from the database at every flush.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, select

from sluice.alerting.routing import group_id_of
from sluice.alerts import IncomingAlert
from store.alerting import live_routing
from store.bulk import Inserts, insert_many
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
    fingerprints: list[str]


def route_changes(
    conn: Connection,
    changed: Sequence[IncomingAlert],
    *,
    now: datetime,
    inserts: Inserts,
) -> list[OutboxRow]:
    """Outbox rows for the groups of every changed alert under the live routing, one per
    group; the caller commits. An alert that resolves also wakes the groups whose alerts were
    held back by an inhibition, so those are judged again (and told, if nothing mutes them
    now). The group members, groups and outbox rows join `inserts` (the caller runs it)."""
    if not changed:
        return []
    live = live_routing(conn)
    rows: dict[str, OutboxRow] = {}
    groups: dict[str, dict[str, Any]] = {}
    members: dict[tuple[str, str], None] = {}  # (group, fingerprint), each once
    ids: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}  # a hash per group, not alert
    for alert in changed:
        for route in live.routing.routes_for(alert.labels):
            group_labels = route.group_labels(alert.labels)
            key = (route.name, tuple(group_labels.items()))
            group_id = ids.get(key) or ids.setdefault(key, group_id_of(route.name, group_labels))
            row = rows.get(group_id)
            if row is None:
                row = rows[group_id] = OutboxRow(
                    uuid.uuid4().hex, group_id, route.name, group_labels, []
                )
                groups[group_id] = _group(row, now)
            if (group_id, alert.fingerprint) not in members:
                members[group_id, alert.fingerprint] = None
                row.fingerprints.append(alert.fingerprint)
                _count(groups[group_id], alert.status)
    outbox = list(rows.values())
    if any(alert.status == AlertStatus.resolved for alert in changed):
        outbox += _inhibited_groups(conn, exclude=set(rows))
    # Batches in key order (concurrent deliveries lock in the same order): an alert becomes a
    # member of its group, and the group is listed from now on.
    member_rows = [_member(group_id, fp, now) for group_id, fp in sorted(members)]
    inserts.add(MEMBERS, member_rows, ignore_conflicts=True)
    inserts.add(GROUPS, [groups[k] for k in sorted(groups)], ignore_conflicts=True)
    inserts.add(OUTBOX, _outbox_rows(outbox, live.version, now))
    return outbox


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
        insert_many(conn, OUTBOX, _outbox_rows(rows, live_routing(conn).version, now))
    return rows


def pending(conn: Connection, *, limit: int = PAGE) -> list[OutboxRow]:
    """The oldest rows not yet dispatched."""
    query = select(OUTBOX).order_by(OUTBOX.c.created_at, OUTBOX.c.id).limit(limit)
    return [_row(r) for r in conn.execute(query).mappings()]


def remove(conn: Connection, ids: Iterable[str]) -> None:
    ids = list(ids)
    if ids:
        conn.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(ids)))


def _outbox_rows(rows: Sequence[OutboxRow], version: int, now: datetime) -> list[dict[str, Any]]:
    return [
        {**row.__dict__, "fingerprint": row.fingerprints[0] if row.fingerprints else "",
         "routing_version": version, "created_at": now}
        for row in rows
    ]  # fmt: skip


def _member(group_id: str, fingerprint: str, now: datetime) -> dict[str, Any]:
    return {"group_id": group_id, "fingerprint": fingerprint, "notified": "", "reason": "",
            "updated_at": now}  # fmt: skip


def _group(row: OutboxRow, now: datetime) -> dict[str, Any]:
    """A group's row, inserted if it is new. Its counts are this delivery's alerts, so a new
    group is listed with them at once; each flush counts all its members again."""
    return {
        "id": row.group_id, "route": row.route, "group_labels": row.group_labels,
        "status": AlertGroupStatus.resolved, "firing": 0, "resolved": 0,
        "acked_by": "", "acked_on_behalf_of": "", "assignee": "", "escalation_step": 0,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


def _count(group: dict[str, Any], status: str) -> None:
    if status == AlertStatus.firing:
        group["firing"] += 1
        group["status"] = AlertGroupStatus.firing
    else:
        group["resolved"] += 1


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
    fingerprint) not in `exclude`, naming those members."""
    found: dict[str, OutboxRow] = {}
    for r in found_rows:
        if r["id"] in exclude:
            continue
        if r["id"] not in found:
            found[r["id"]] = OutboxRow(
                uuid.uuid4().hex, r["id"], r["route"], dict(r["group_labels"]), []
            )
        found[r["id"]].fingerprints.append(r["fingerprint"])
    return list(found.values())


def _row(r: Any) -> OutboxRow:
    """A stored row; one the release before migration 0024 wrote names its alert alone."""
    fingerprints = list(r["fingerprints"]) or ([r["fingerprint"]] if r["fingerprint"] else [])
    return OutboxRow(r["id"], r["group_id"], r["route"], dict(r["group_labels"]), fingerprints)
