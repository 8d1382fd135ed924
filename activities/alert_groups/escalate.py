"""An escalation step's reads and writes (in a worker thread): the group, its alerts and
the live routing; the step's events and the group's escalation step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from sluice.alerting.grouping import FIRING
from sluice.alerting.routing import AlertRouting
from sluice.contracts.alert_groups import EscalationRequest
from store import alert_groups as groups
from store.alerting import live_routing


def escalation_facts(
    engine: Engine, req: EscalationRequest
) -> tuple[AlertRouting, dict[str, Any] | None, dict[str, dict[str, Any]]]:
    with engine.connect() as conn:
        routing = live_routing(conn).routing
        row = groups.group_row(conn, req.group_id)
        alerts = {m.fingerprint: a for m, a in groups.members(conn, req.group_id)}
    return routing, row, alerts


def save_escalation(
    engine: Engine,
    group_id: str,
    firing: list[str],
    detail: dict[str, Any],
    step: int,
    now: datetime,
) -> None:
    with engine.begin() as conn:
        groups.add_events(conn, [(fp, "escalated", FIRING, detail) for fp in firing], now)
        groups.update_group(conn, group_id, now, escalation_step=step)
