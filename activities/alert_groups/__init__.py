"""AlertGroupWorkflow's side effects: flush a group (decide, send one message, record),
run an escalation step, and record an operator's decision.

The database is the source of truth: every call reads the group's alerts, the live routing
and the silences afresh, so a duplicate signal or a retried activity changes nothing twice.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.alert_groups.messages import (
    group_values,
    picked,
    render_alert_message,
    seconds_to_open,
)
from activities.alert_groups.metrics import ESCALATIONS, NOTIFIED, SUPPRESSED
from activities.notify import NotifyActivities
from activities.notify.senders import Message
from activities.notify.store import ChannelStore
from sluice.alerting.grouping import FIRING, Context, Decision, decide
from sluice.alerting.routing import AlertRouting, Route
from sluice.contracts.alert_groups import (
    EscalationRequest,
    EscalationResult,
    FlushRequest,
    FlushResult,
    GroupAction,
    GroupTimings,
)
from sluice.settings import TicketSettings
from store import alert_analyses, knowledge_matches
from store import alert_groups as groups
from store.alerting import live_routing, silences_in_span
from store.tickets import open_route_ticket


def activity_now() -> datetime:
    """When this attempt was scheduled, by the Temporal server's clock: the workflow's time
    (which the time-skipping test server moves), so the decisions and the timers agree."""
    return activity.info().current_attempt_scheduled_time


def timings_of(route: Route) -> GroupTimings:
    return GroupTimings(
        route.group_wait, route.group_interval, route.repeat_interval,
        route.analysis.automatic, route.analysis.hold,
    )  # fmt: skip


def route_of(routing: AlertRouting, name: str) -> Route:
    """The group's route; the default one if the route was removed since."""
    return routing.route(name) or routing.default


class AlertGroupActivities:
    def __init__(
        self,
        engine: Engine,
        channels: ChannelStore,
        notify: NotifyActivities,
        *,
        public_url: str = "",
        language: str = "en",
        tickets: TicketSettings | None = None,
    ) -> None:
        self._engine = engine
        self._tickets = tickets or TicketSettings()
        self._channels = channels
        self._notify = notify
        self._public_url = public_url
        self._language = language

    @activity.defn(name="alert_group_timings")
    async def timings(self, route: str) -> GroupTimings:
        """The route's timers under the live routing."""
        return await asyncio.to_thread(self._timings, route)

    @activity.defn(name="flush_alert_group")
    async def flush(self, req: FlushRequest) -> FlushResult:
        """Decide what the group tells now, send it as one message, record it all."""
        now = activity_now()
        routing, route, decision, alerts = await asyncio.to_thread(self._decide, req, now)
        channels: list[str] = []
        failures: list[str] = []
        template_error = ""
        if decision.tells:
            values = self._values(req, route, decision, alerts)
            values["analysis"] = await asyncio.to_thread(self._analysis, req.group_id)
            template = routing.template(route.template)
            message, template_error = render_alert_message(
                "alert_group", values, template, language=self._language
            )
            channels, failures = await self._send(route.channels, message, step="alert_group")
        await asyncio.to_thread(self._save, req, decision, channels, failures, now, template_error)
        if decision.new and route.ticket is not None:  # new alerts fire: the route's ticket
            title = route.ticket.title or group_values(req.group_id, route.name, req.group_labels,
                                                       "")["title"]  # fmt: skip
            await asyncio.to_thread(
                open_route_ticket, self._engine, self._tickets, group_id=req.group_id,
                title=title, priority=route.ticket.priority, now=now,
            )  # fmt: skip
        await asyncio.to_thread(self._match_knowledge, req.group_id, now)
        opens = None if decision.firing == 0 else seconds_to_open(route.active_time, now)
        wake = [(decision.wake_at - now).total_seconds()] if decision.wake_at else []
        if opens:  # outside its active time: hold until it opens
            wake.append(opens)
        return FlushResult(
            timings=timings_of(route),
            firing=decision.firing,
            notified=decision.tells,
            settled=decision.settled,
            escalation=route.escalation,
            escalation_wait=_first_wait(routing, route),
            wake_in=max(min(wake), 1.0) if wake else None,
            inactive=bool(opens),
        )

    @activity.defn(name="escalate_alert_group")
    async def escalate(self, req: EscalationRequest) -> EscalationResult:
        """Run one escalation step: notify its channels and people, inside its window."""
        now = activity_now()
        routing, row, alerts = await asyncio.to_thread(self._escalation_facts, req)
        route = route_of(routing, req.route)
        policy = routing.policy(route.escalation)
        firing = [fp for fp, a in alerts.items() if a["status"] == FIRING]
        if policy is None or row is None or not firing or req.step >= len(policy.steps):
            return EscalationResult(stop=True)
        step = policy.steps[req.step]
        opens = seconds_to_open(step.within, now)
        if opens:
            return EscalationResult(retry_in=max(opens, 1.0))
        values = {
            "group": group_values(req.group_id, route.name, row["group_labels"],
                                  self._public_url, row["assignee"]),
            "counts": {"firing": len(firing), "resolved": len(alerts) - len(firing)},
            "firing": picked(alerts, firing),
            "escalation": {"step": req.step + 1, "round": req.round, "policy": policy.name,
                           "people": list(step.people)},
        }  # fmt: skip
        template = routing.template(step.template or policy.template)
        message, template_error = render_alert_message(
            "alert_escalation", values, template, step.people, language=self._language
        )
        sent, failures = await self._send(step.channels, message, step="escalation")
        ESCALATIONS.labels(policy.name).inc()
        detail = {"group_id": req.group_id, "step": req.step + 1, "round": req.round,
                  "channels": sent, "failed": failures, "people": list(step.people)}  # fmt: skip
        if template_error:
            detail["template_error"] = template_error
        await asyncio.to_thread(self._escalated, req.group_id, firing, detail, req.step + 1, now)
        following, round_ = req.step + 1, req.round
        if following >= len(policy.steps):
            if round_ >= policy.repeat:
                return EscalationResult(sent=True)
            following, round_ = 0, round_ + 1
        wait = float(policy.steps[following].wait)
        return EscalationResult(True, None, False, wait, following, round_)

    @activity.defn(name="record_alert_group_action")
    async def record_action(self, action: GroupAction) -> None:
        """An operator's ack, unack, assign or resolve: the group row and alert events."""
        await asyncio.to_thread(self._record_action, action, activity_now())

    # --- in a worker thread ---

    def _timings(self, route: str) -> GroupTimings:
        with self._engine.connect() as conn:
            return timings_of(route_of(live_routing(conn).routing, route))

    def _decide(
        self, req: FlushRequest, now: datetime
    ) -> tuple[AlertRouting, Route, Decision, dict[str, dict[str, Any]]]:
        with self._engine.connect() as conn:
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
                firing_labels=groups.firing_labels(conn),
                now=now,
                repeat=req.repeat,
            )
        alerts = {m.fingerprint: alert for m, alert in members}
        return routing, route, decide([m for m, _ in members], ctx), alerts

    def _save(
        self,
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
        with self._engine.begin() as conn:
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

    def _analysis(self, group_id: str) -> dict[str, Any] | None:
        with Session(self._engine) as session:
            return alert_analyses.message_values(alert_analyses.latest(session, group_id))

    def _match_knowledge(self, group_id: str, now: datetime) -> None:
        """Attach the group's knowledge matches on its first flush (store.knowledge_matches);
        a failure only loses the matches, never the flush that already notified."""
        try:
            knowledge_matches.attach(self._engine, group_id, now)
        except Exception:
            activity.logger.warning("knowledge matching failed for %s", group_id, exc_info=True)

    def _escalation_facts(
        self, req: EscalationRequest
    ) -> tuple[AlertRouting, dict[str, Any] | None, dict[str, dict[str, Any]]]:
        with self._engine.connect() as conn:
            routing = live_routing(conn).routing
            row = groups.group_row(conn, req.group_id)
            alerts = {m.fingerprint: a for m, a in groups.members(conn, req.group_id)}
        return routing, row, alerts

    def _escalated(
        self,
        group_id: str,
        firing: list[str],
        detail: dict[str, Any],
        step: int,
        now: datetime,
    ) -> None:
        with self._engine.begin() as conn:
            groups.add_events(conn, [(fp, "escalated", FIRING, detail) for fp in firing], now)
            groups.update_group(conn, group_id, now, escalation_step=step)

    def _record_action(self, action: GroupAction, now: datetime) -> None:
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
        with self._engine.begin() as conn:
            if action.action == "resolve":
                groups.resolve_by_hand(conn, action.group_id, detail, now)
            elif action.action == "reset":
                knowledge_matches.forget(conn, action.group_id)
            else:
                members = [m.fingerprint for m, _ in groups.members(conn, action.group_id)]
                kind = {"ack": "acked", "unack": "unacked", "assign": "assigned"}[action.action]
                groups.add_events(conn, [(fp, kind, FIRING, detail) for fp in members], now)
            groups.update_group(conn, action.group_id, now, **values)

    async def _send(
        self, names: list[str], message: Message, *, step: str
    ) -> tuple[list[str], list[str]]:
        """Send to each channel; the channels reached and those that failed (each send is
        recorded). All of them failing for a reason that may pass is retried."""
        sent: list[str] = []
        failures: list[ApplicationError] = []
        for name in names:
            try:
                channel = await asyncio.to_thread(self._channels.load, name)
                await self._notify.deliver(channel, message, task_id=None, step=step)
            except ApplicationError as exc:
                failures.append(exc)
                continue
            sent.append(name)
        if failures and not sent and any(not f.non_retryable for f in failures):
            raise failures[0]
        return sent, [f.message[:200] for f in failures]

    def _values(
        self, req: FlushRequest, route: Route, decision: Decision, alerts: dict[str, Any]
    ) -> dict[str, Any]:
        firing = [*decision.new, *decision.again]
        return {
            "group": group_values(req.group_id, route.name, req.group_labels, self._public_url),
            "counts": {"firing": decision.firing,
                       "resolved": len(decision.resolved) + len(decision.resolved_silenced)},
            "firing": picked(alerts, firing),
            "new": decision.new,
            "resolved": picked(alerts, decision.resolved),
            "resolved_silenced": picked(alerts, decision.resolved_silenced),
            "expired": decision.expired,
        }  # fmt: skip


def _first_wait(routing: AlertRouting, route: Route) -> float:
    """The wait before the route's escalation policy's first step."""
    policy = routing.policy(route.escalation)
    return float(policy.steps[0].wait) if policy else 0.0
