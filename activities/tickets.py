"""TicketWorkflow's side effects: read a ticket's timers, record a breached deadline, and run
one step of its escalation policy (the ticket's group's route's, else the setting
`tickets.escalation_policy`): the built-in `ticket_deadline` message to the step's channels,
mentioning its people, recorded once on the ticket's timeline however often it is retried.

`ticket_deadline_breached` (record and tell the first step at once) serves runs recorded
before the steps were walked."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.alert_groups.messages import render_alert_message, seconds_to_open
from activities.notify import NotifyActivities
from activities.notify.store import ChannelStore
from sluice.alerting.routing import AlertRouting, EscalationPolicy
from sluice.contracts.tickets import (
    BreachRecorded,
    BreachRequest,
    StepRequest,
    StepResult,
    TicketTimers,
)
from sluice.settings import TicketSettings
from sluice.tickets import display_id
from store import tickets as store
from store.alerting import live_routing
from store.models import AlertGroup, Ticket


class TicketActivities:
    def __init__(
        self,
        engine: Engine,
        channels: ChannelStore,
        notify: NotifyActivities,
        policy: TicketSettings,
        *,
        public_url: str = "",
        language: str = "en",
    ) -> None:
        self._engine = engine
        self._channels = channels
        self._notify = notify
        self._policy = policy
        self._public_url = public_url
        self._language = language

    @activity.defn(name="ticket_timers")
    async def timers(self, number: int) -> TicketTimers:
        """The ticket's deadlines still to watch, as the database holds them now."""
        return await asyncio.to_thread(store.timers, self._engine, number)

    @activity.defn(name="record_ticket_breach")
    async def record_breach(self, req: BreachRequest) -> BreachRecorded:
        """Record the breach (once); the wait before its policy's first step."""
        now = activity.info().current_attempt_scheduled_time
        ticket, group, routing = await asyncio.to_thread(self._facts, req.number)
        if ticket is None:
            return BreachRecorded()
        policy = _policy(routing, group, self._policy.escalation_policy)
        detail = {"policy": policy.name if policy else ""}
        await asyncio.to_thread(
            store.record_breach, self._engine, req.number, req.deadline, req.due, detail, now
        )
        return BreachRecorded(float(policy.steps[0].wait) if policy else None)

    @activity.defn(name="escalate_ticket")
    async def escalate(self, req: StepRequest) -> StepResult:
        """Run one step of the breach's policy inside its window, unless the breach is
        answered; a step already recorded (a retry) is not told again."""
        now = activity.info().current_attempt_scheduled_time
        ticket, group, routing = await asyncio.to_thread(self._facts, req.number)
        timers = await asyncio.to_thread(store.timers, self._engine, req.number)
        policy = _policy(routing, group, self._policy.escalation_policy)
        if ticket is None or policy is None or req.step >= len(policy.steps):
            return StepResult(stop=True)
        if not timers.stands(req.deadline, req.due):
            return StepResult(stop=True)
        step = policy.steps[req.step]
        opens = seconds_to_open(step.within, now)
        if opens:
            return StepResult(retry_in=max(opens, 1.0))
        told = await asyncio.to_thread(
            store.step_recorded, self._engine, req.number, req.deadline, req.due,
            req.step + 1, req.round,
        )  # fmt: skip
        if not told:
            await self._tell_step(ticket, req, policy, now)
        following, round_ = req.step + 1, req.round
        if following >= len(policy.steps):
            if round_ >= policy.repeat:
                return StepResult()
            following, round_ = 0, round_ + 1
        return StepResult(None, False, float(policy.steps[following].wait), following, round_)

    async def _tell_step(
        self, ticket: Ticket, req: StepRequest, policy: EscalationPolicy, now: datetime
    ) -> None:
        step = policy.steps[req.step]
        breach = BreachRequest(req.number, req.deadline, req.due)
        values = self._values(ticket, breach, policy, step.people, req.step + 1, req.round)
        message, template_error = render_alert_message(
            "ticket_deadline", values, None, step.people, language=self._language
        )
        sent, failed = await self._send(step.channels, message)
        detail: dict[str, Any] = {
            "deadline": req.deadline, "policy": policy.name, "step": req.step + 1,
            "round": req.round, "channels": sent, "failed": failed, "people": list(step.people),
        }  # fmt: skip
        if template_error:
            detail["template_error"] = template_error
        await asyncio.to_thread(store.record_step, self._engine, req.number, req.due, detail, now)

    @activity.defn(name="ticket_deadline_breached")
    async def breached(self, req: BreachRequest) -> None:
        """Record the breach (once) and tell the escalation policy's first step (runs from
        before the steps were walked)."""
        now = activity.info().current_attempt_scheduled_time
        ticket, group, routing = await asyncio.to_thread(self._facts, req.number)
        if ticket is None:
            return
        policy = _policy(routing, group, self._policy.escalation_policy)
        detail: dict[str, Any] = {"policy": policy.name if policy else ""}
        if policy is not None:
            step = policy.steps[0]
            values = self._values(ticket, req, policy, step.people)
            # the routing document's templates are written for alert values: the built-in one
            message, template_error = render_alert_message(
                "ticket_deadline", values, None, step.people, language=self._language
            )
            sent, failed = await self._send(step.channels, message)
            detail |= {"channels": sent, "failed": failed, "people": list(step.people)}
            if template_error:
                detail["template_error"] = template_error
        await asyncio.to_thread(
            store.record_breach, self._engine, req.number, req.deadline, req.due, detail, now
        )

    def _facts(self, number: int) -> tuple[Ticket | None, AlertGroup | None, AlertRouting]:
        ticket, group = store.ticket_and_group(self._engine, number)
        with self._engine.connect() as conn:
            routing = live_routing(conn).routing
        return ticket, group, routing

    def _values(
        self,
        ticket: Ticket,
        req: BreachRequest,
        policy: EscalationPolicy,
        people: list[str],
        step: int = 1,
        round_: int = 0,
    ) -> dict[str, Any]:
        key = display_id(req.number)
        url = f"{self._public_url.rstrip('/')}/api/v1/tickets/{key}" if self._public_url else ""
        return {
            "ticket": {"id": key, "number": req.number, "title": ticket.title,
                       "priority": ticket.priority, "status": ticket.status,
                       "assignee": ticket.assignee, "group_id": ticket.group_id or "",
                       "deadline": req.deadline, "due": req.due.isoformat(), "url": url},
            "escalation": {"step": step, "round": round_, "policy": policy.name,
                           "people": people},
        }  # fmt: skip

    async def _send(self, names: list[str], message: Any) -> tuple[list[str], list[str]]:
        sent: list[str] = []
        failures: list[ApplicationError] = []
        for name in names:
            try:
                channel = await asyncio.to_thread(self._channels.load, name)
                await self._notify.deliver(channel, message, task_id=None, step="ticket_deadline")
            except ApplicationError as exc:
                failures.append(exc)
                continue
            sent.append(name)
        if failures and not sent and any(not f.non_retryable for f in failures):
            raise failures[0]  # nobody was told, for a reason that may pass: retry
        return sent, [f.message[:200] for f in failures]


def _policy(
    routing: AlertRouting, group: AlertGroup | None, fallback: str | None
) -> EscalationPolicy | None:
    route = routing.route(group.route) if group is not None else None
    if route is not None and route.escalation:
        return routing.policy(route.escalation)
    return routing.policy(fallback)
