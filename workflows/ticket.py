"""TicketWorkflow: one per open ticket (id `ticket-<n>`), started by the API with
signal-with-start when the ticket is made or reopened, and signalled on every change.

It sleeps on durable timers until the ticket's response deadline (unless acknowledged) and
its resolution deadline; each breach is recorded as a ticket event and notified through an
escalation policy by an activity. The database is the source of truth: every wake-up reads
the ticket's timers afresh, so a duplicate or lost signal changes nothing. The run ends once
the ticket is resolved or closed.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from sluice.contracts.tickets import (
        RESOLUTION,
        RESPONSE,
        TICKET_SIGNAL,
        TICKET_WORKFLOW,
        BreachRequest,
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

    @workflow.signal(name=TICKET_SIGNAL)
    def changed(self, change: TicketChanged) -> None:
        self._poke = True

    @workflow.run
    async def run(self, inp: TicketInput) -> TicketResult:
        result = TicketResult(inp.breaches)
        while True:
            self._poke = False
            timers = await workflow.execute_activity(
                "ticket_timers", inp.number, result_type=TicketTimers,
                start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
            )  # fmt: skip
            if timers.done:
                return result
            now = workflow.now()
            due = next_due(timers)
            if due is not None and due[1] <= now:
                breach = BreachRequest(inp.number, due[0], due[1])
                await workflow.execute_activity(
                    "ticket_deadline_breached", breach,
                    start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
                )  # fmt: skip
                result.breaches += 1
                continue
            if self._history_long():
                workflow.continue_as_new(TicketInput(inp.number, result.breaches))
            timeout = (due[1] - now) if due else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._poke, timeout=timeout)

    def _history_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested() or info.get_current_history_length() > MAX_HISTORY
        )
