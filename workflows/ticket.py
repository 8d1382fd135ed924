"""TicketWorkflow: one per open ticket (id `ticket-<n>`), started by the API with
signal-with-start when the ticket is made or reopened, and signalled on every change.

It sleeps on durable timers until the ticket's response deadline (unless acknowledged) and
its resolution deadline; each breach is recorded as a ticket event, then its escalation
policy's steps run in order on durable timers (each step's `wait`, its `within` window, the
policy's `repeat` rounds) until the breach is answered: the response deadline's once the
ticket is acknowledged (or started, resolved, closed), the resolution deadline's once it is
resolved or closed. The database is the source of truth: every wake-up reads the ticket's
timers afresh, so a duplicate or lost signal changes nothing. The run ends once the ticket
is resolved or closed.

Runs recorded before the escalation steps (no `ticket-escalation-steps` marker) keep telling
only the first step, in one activity.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from sluice.contracts.tickets import (
        RESOLUTION,
        RESPONSE,
        TICKET_SIGNAL,
        TICKET_WORKFLOW,
        BreachRecorded,
        BreachRequest,
        Escalation,
        StepRequest,
        StepResult,
        TicketChanged,
        TicketInput,
        TicketResult,
        TicketTimers,
    )

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5)
)
ACTIVITY_TIMEOUT = timedelta(minutes=2)
MAX_HISTORY = 2_000  # events; then continue as new
STEPS_PATCH = "ticket-escalation-steps"
T = TypeVar("T")


def next_due(timers: TicketTimers) -> tuple[str, datetime] | None:
    """The first deadline not yet breached, and when."""
    due = [
        (moment, name)
        for name, moment in ((RESPONSE, timers.respond_by), (RESOLUTION, timers.resolve_by))
        if moment is not None and name not in timers.breached
    ]
    if not due:
        return None
    moment, name = min(due)
    return name, moment


@workflow.defn(name=TICKET_WORKFLOW)
class TicketWorkflow:
    def __init__(self) -> None:
        self._poke = False
        self._escalations: list[Escalation] = []

    @workflow.signal(name=TICKET_SIGNAL)
    def changed(self, change: TicketChanged) -> None:
        self._poke = True

    @workflow.run
    async def run(self, inp: TicketInput) -> TicketResult:
        result = TicketResult(inp.breaches)
        self._escalations = list(inp.escalations)
        while True:
            self._poke = False
            timers = await self._call("ticket_timers", inp.number, TicketTimers)
            if timers.done:
                return result
            self._escalations = [e for e in self._escalations if timers.stands(e.deadline, e.due)]
            now = workflow.now()
            due = next_due(timers)
            if due is not None and due[1] <= now:
                await self._breached(BreachRequest(inp.number, due[0], due[1]))
                result.breaches += 1
                continue
            if self._history_long():  # before a step too: a policy of waitless steps
                workflow.continue_as_new(
                    TicketInput(inp.number, result.breaches, self._escalations)
                )
            step = min(self._escalations, key=_due_at, default=None)
            if step is not None and _due_at(step) <= now:
                await self._step(inp.number, step)
                continue
            wake = [due[1]] if due else []
            wake += [_due_at(step)] if step else []
            timeout = (min(wake) - now) if wake else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._poke, timeout=timeout)

    async def _breached(self, breach: BreachRequest) -> None:
        """Record the breach; its policy's first step is due after that step's wait."""
        if not workflow.patched(STEPS_PATCH):  # recorded before the steps: tell the first
            await self._call("ticket_deadline_breached", breach, type(None))
            return
        recorded = await self._call("record_ticket_breach", breach, BreachRecorded)
        if recorded.first_wait is not None:
            at = workflow.now() + timedelta(seconds=recorded.first_wait)
            self._escalations.append(Escalation(breach.deadline, breach.due, 0, 0, at))

    async def _step(self, number: int, escalation: Escalation) -> None:
        req = StepRequest(number, escalation.deadline, escalation.due, escalation.step,
                          escalation.round)  # fmt: skip
        done = await self._call("escalate_ticket", req, StepResult)
        now = workflow.now()
        if done.retry_in is not None:  # outside the step's window: wait for it to open
            escalation.due_at = now + timedelta(seconds=done.retry_in)
        elif done.stop or done.next_wait is None:
            self._escalations.remove(escalation)
        else:
            escalation.step, escalation.round = done.next_step, done.next_round
            escalation.due_at = now + timedelta(seconds=done.next_wait)

    async def _call(self, activity: str, arg: object, result_type: type[T]) -> T:
        return await workflow.execute_activity(
            activity,
            arg,
            result_type=result_type,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    def _history_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested() or info.get_current_history_length() > MAX_HISTORY
        )


def _due_at(escalation: Escalation) -> datetime:
    assert escalation.due_at is not None
    return escalation.due_at
