"""A flush's reads and writes (in a worker thread): decide what the group tells from the
database, shape the message's values, and record the members, events and counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity

from activities.alert_groups.live import route_of
from activities.alert_groups.messages import group_values, picked
from activities.alert_groups.metrics import NOTIFIED, SUPPRESSED
from sluice.alerting.grouping import FIRING, Context, Decision, decide
from sluice.alerting.routing import AlertRouting, Route
from sluice.contracts.alert_groups import FlushRequest
from store import alert_analyses, knowledge_matches
from store import alert_groups as groups
from store.alerting import live_routing, silences_in_span


def decide_flush(
    engine: Engine, req: FlushRequest, now: datetime
) -> tuple[AlertRouting, Route, Decision, dict[str, dict[str, Any]]]:
    with engine.connect() as conn:
        routing = live_routing(conn).routing
        route = route_of(routing, req.route)
        members = groups.members(conn, req.group_id)
        known = groups.silence_facts(conn, [m.silence_id for m, _ in members if m.silence_id])
        ctx = Context(
            routing=routing,
            route_active=route.active_time.contains(now),
            send_resolved=route.send_resolved,
            silences=silences_in_span(conn, now),
            known_silences=known,
            firing_labels=groups.inhibition_sources(conn, routing),
            now=now,
            repeat=req.repeat,
        )
    alerts = {m.fingerprint: alert for m, alert in members}
    return routing, route, decide([m for m, _ in members], ctx), alerts


def flush_values(
    req: FlushRequest,
    route: Route,
    decision: Decision,
    alerts: dict[str, Any],
    public_url: str,
) -> dict[str, Any]:
    firing = [*decision.new, *decision.again]
    return {
        "group": group_values(req.group_id, route.name, req.group_labels, public_url),
        "counts": {"firing": decision.firing,
                   "resolved": len(decision.resolved) + len(decision.resolved_silenced)},
        "firing": picked(alerts, firing),
        "new": decision.new,
        "resolved": picked(alerts, decision.resolved),
        "resolved_silenced": picked(alerts, decision.resolved_silenced),
        "expired": decision.expired,
    }  # fmt: skip


def save_flush(
    engine: Engine,
    req: FlushRequest,
    decision: Decision,
    channels: list[str],
    failures: list[str],
    now: datetime,
    template_error: str = "",
) -> None:
    events: list[tuple[str, str, str, dict[str, Any]]] = []
    for fp, (reason, why) in decision.held.items():
        if reason:
            SUPPRESSED.labels(reason).inc()
            events.append((fp, "suppressed", FIRING, {"reason": reason, "by": why,
                                                     "group_id": req.group_id}))  # fmt: skip
    told = {
        "firing": decision.new, "repeat": decision.again,
        "resolved": decision.resolved + decision.resolved_silenced,
    }  # fmt: skip
    for kind, fingerprints in told.items():
        NOTIFIED.labels(kind).inc(len(fingerprints))
        status = "resolved" if kind == "resolved" else FIRING
        detail = {"as": kind, "group_id": req.group_id, "channels": channels}
        if failures:
            detail["failed"] = failures
        if template_error:
            detail["template_error"] = template_error
        events += [(fp, "notified", status, detail) for fp in fingerprints]
    with engine.begin() as conn:
        groups.save_members(conn, req.group_id, list(decision.updates.values()), now)
        groups.add_events(conn, events, now)
        total = len(groups.members(conn, req.group_id))
        values = groups.group_counts(decision.firing, total)
        if decision.tells:
            row = groups.group_row(conn, req.group_id)
            if row is not None and row["first_notified_at"] is None:
                values["first_notified_at"] = now
            values["last_notified_at"] = now
        groups.update_group(conn, req.group_id, now, **values)


def latest_analysis(engine: Engine, group_id: str) -> dict[str, Any] | None:
    with Session(engine) as session:
        return alert_analyses.message_values(alert_analyses.latest(session, group_id))


def match_knowledge(engine: Engine, group_id: str, now: datetime) -> None:
    """Attach the group's knowledge matches on its first flush (store.knowledge_matches);
    a failure only loses the matches, never the flush that already notified."""
    try:
        knowledge_matches.attach(engine, group_id, now)
    except Exception:
        activity.logger.warning("knowledge matching failed for %s", group_id, exc_info=True)
