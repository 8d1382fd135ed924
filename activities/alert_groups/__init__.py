"""AlertGroupWorkflow's side effects: flush a group (decide, send one message, record),
run an escalation step, and record an operator's decision.

The database is the source of truth: every call reads the group's alerts, the live routing
and the silences afresh, so a duplicate signal or a retried activity changes nothing twice.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.alert_groups.escalate import escalation_facts, save_escalation
from activities.alert_groups.flush import (
    decide_flush,
    flush_values,
    latest_analysis,
    match_knowledge,
    save_flush,
)
from activities.alert_groups.live import (
    activity_now,
    first_wait,
    live_timings,
    route_of,
    timings_of,
)
from activities.alert_groups.messages import (
    group_values,
    picked,
    render_alert_message,
    seconds_to_open,
)
from activities.alert_groups.metrics import ESCALATIONS
from activities.alert_groups.record import save_action
from activities.notify import NotifyActivities
from activities.notify.senders import Message
from activities.notify.store import ChannelStore
from sluice.alerting.grouping import FIRING
from sluice.contracts.alert_groups import (
    EscalationRequest,
    EscalationResult,
    FlushRequest,
    FlushResult,
    GroupAction,
    GroupTimings,
)
from sluice.settings import TicketSettings
from store.tickets import open_route_ticket

__all__ = ["AlertGroupActivities", "activity_now", "route_of"]
FLUSHES_AT_ONCE = 8


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
        self._flushing = asyncio.Semaphore(FLUSHES_AT_ONCE)

    @activity.defn(name="alert_group_timings")
    async def timings(self, route: str) -> GroupTimings:
        """The route's timers under the live routing."""
        return await asyncio.to_thread(live_timings, self._engine, route)

    @activity.defn(name="flush_alert_group")
    async def flush(self, req: FlushRequest) -> FlushResult:
        """Decide what the group tells now, send it as one message, record it all. At most
        FLUSHES_AT_ONCE flushes read or write at a time (a storm flushes every group at
        once, and each holds its group's alerts); their sends are never held back."""
        now = activity_now()
        async with self._flushing:
            routing, route, decision, alerts = await asyncio.to_thread(
                decide_flush, self._engine, req, now
            )
            message, template_error = None, ""
            if decision.tells:
                values = flush_values(req, route, decision, alerts, self._public_url)
                values["analysis"] = await asyncio.to_thread(
                    latest_analysis, self._engine, req.group_id
                )
                template = routing.template(route.template)
                message, template_error = render_alert_message(
                    "alert_group", values, template, language=self._language
                )
            del alerts  # the send below need not hold the group's alerts
        channels: list[str] = []
        failures: list[str] = []
        if message is not None:
            channels, failures = await self._send(route.channels, message, step="alert_group")
        async with self._flushing:
            await asyncio.to_thread(
                save_flush, self._engine, req, decision, channels, failures, now, template_error
            )
            if decision.new and route.ticket is not None:  # new alerts fire: its ticket
                title = (
                    route.ticket.title
                    or group_values(req.group_id, route.name, req.group_labels, "")["title"]
                )
                await asyncio.to_thread(
                    open_route_ticket, self._engine, self._tickets, group_id=req.group_id,
                    title=title, priority=route.ticket.priority, now=now,
                )  # fmt: skip
            await asyncio.to_thread(match_knowledge, self._engine, req.group_id, now)
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
            escalation_wait=first_wait(routing, route),
            wake_in=max(min(wake), 1.0) if wake else None,
            inactive=bool(opens),
        )

    @activity.defn(name="escalate_alert_group")
    async def escalate(self, req: EscalationRequest) -> EscalationResult:
        """Run one escalation step: notify its channels and people, inside its window."""
        now = activity_now()
        routing, row, alerts = await asyncio.to_thread(escalation_facts, self._engine, req)
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
        await asyncio.to_thread(
            save_escalation, self._engine, req.group_id, firing, detail, req.step + 1, now
        )
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
        await asyncio.to_thread(save_action, self._engine, action, activity_now())

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
