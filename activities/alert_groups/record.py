"""An operator's ack, unack, assign, resolve or a group's reset, recorded (in a worker
thread) on the group row and as events on its alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from sluice.alerting.grouping import FIRING
from sluice.contracts.alert_groups import GroupAction
from store import alert_groups as groups
from store import knowledge_matches


def save_action(engine: Engine, action: GroupAction, now: datetime) -> None:
    detail: dict[str, Any] = {"by": action.by, "group_id": action.group_id}
    if action.on_behalf_of:
        detail["on_behalf_of"] = action.on_behalf_of
    values: dict[str, Any] = {}
    unacked = {"acked_by": "", "acked_on_behalf_of": "", "acked_until": None}
    if action.action == "ack":
        values = {"acked_by": action.by, "acked_on_behalf_of": action.on_behalf_of,
                  "acked_until": action.until}  # fmt: skip
        detail["until"] = action.until.isoformat() if action.until else None
    elif action.action == "unack":
        values = unacked
    elif action.action == "assign":
        values, detail["to"] = {"assignee": action.to}, action.to
    elif action.action == "reset":  # a new run of the group: nobody has acked it yet
        values = {**unacked, "escalation_step": 0}
    with engine.begin() as conn:
        if action.action == "resolve":
            groups.resolve_by_hand(conn, action.group_id, detail, now)
        elif action.action == "reset":
            knowledge_matches.forget(conn, action.group_id)
        else:
            members = [m.fingerprint for m, _ in groups.members(conn, action.group_id)]
            kind = {"ack": "acked", "unack": "unacked", "assign": "assigned"}[action.action]
            groups.add_events(conn, [(fp, kind, FIRING, detail) for fp in members], now)
        groups.update_group(conn, action.group_id, now, **values)
