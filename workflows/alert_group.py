"""AlertGroupWorkflow: one per alert group (id `alert-group-<hash of route and group
labels>`), started or signalled by the API with signal-with-start for every alert change.

The first signal waits `group_wait`, then flushes: an activity reads the group's alerts,
the live routing and the silences from the database and sends one message for the whole
group. Later changes flush at most every `group_interval`; while anything fires, the group
is told again every `repeat_interval`. The route's escalation policy runs its steps on
durable timers until someone acks. Operators decide by updates (ack, unack, assign,
resolve), each checked by a validator first. The run ends once every alert has resolved
and been told; a later alert starts a new run under the same id.

As in samples-python message_passing/safe_message_handlers: a lock keeps handlers' and the
main loop's activities apart, and handlers finish before the run ends or continues as new.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from sluice.contracts.alert_groups import (
        ALERTS_SIGNAL,
        AckRequest,
        AckState,
        AlertGroupInput,
        AlertGroupResult,
        AlertsChanged,
        AssignRequest,
        ByRequest,
        EscalationRequest,
        EscalationResult,
        EscalationState,
        FlushRequest,
        FlushResult,
        GroupAction,
        GroupState,
        GroupTimings,
    )
    from workflows.alert_analysis import GroupAnalysis
    from workflows.alert_group_calls import DB_ACTIVITY_TIMEOUT, call, local
    from workflows.alert_group_clock import ACK_EXPIRED, ESCALATE, GroupClock

MAX_HISTORY = 5_000  # events; then continue as new
LOCAL_START = "alert-group-local-start"  # the start's two steps run as local activities
MAX_ASSIGNEE = 200


@workflow.defn(name="AlertGroupWorkflow")
class AlertGroupWorkflow:
    @workflow.init
    def __init__(self, inp: AlertGroupInput) -> None:
        self._inp = inp
        self._lock = asyncio.Lock()
        self._dirty = False
        self._flush_now = False
        self._poke = False  # a signal or an update came: look at the clock again
        self._flushed = False
        self._firing = 0
        self._assignee = ""
        self._clock = GroupClock(GroupTimings())
        self._analysis = GroupAnalysis()  # when the route asks for one

    @workflow.signal(name=ALERTS_SIGNAL)
    def alerts_changed(self, change: AlertsChanged) -> None:
        self._dirty = self._poke = True

    @workflow.run
    async def run(self, inp: AlertGroupInput) -> AlertGroupResult:
        result = AlertGroupResult(inp.flushes, inp.messages)
        if inp.carried:
            self._restore(inp)
            await self._until_due()
        else:
            reset = GroupAction(inp.group_id, "reset", "")
            if workflow.patched(LOCAL_START):  # a storm starts many groups: spare Temporal
                self._clock.timings = await local("alert_group_timings", inp.route,
                                                        GroupTimings)  # fmt: skip
                await local("record_alert_group_action", reset, type(None))
            else:
                self._clock.timings = await call(
                    "alert_group_timings", inp.route, GroupTimings, DB_ACTIVITY_TIMEOUT
                )
                await call("record_alert_group_action", reset, type(None), DB_ACTIVITY_TIMEOUT)
            if self._clock.timings.analysis:  # beside group_wait, not after it
                self._analysis.start(inp.group_id)
            await workflow.sleep(timedelta(seconds=self._clock.timings.group_wait))
            await self._analysis.hold(self._clock.timings.analysis_hold, lambda: self._flush_now)
        while True:
            flushed = await self._flush()
            result.flushes += 1
            result.messages += int(flushed.notified)
            if flushed.settled and not self._dirty:
                await self._analysis.finished()
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not (self._dirty or self._flush_now):
                    return result
            if self._history_long():
                await self._analysis.finished()
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carried(result))
            await self._until_due()

    # --- decisions (updates, each with its validator) ---

    @workflow.update
    async def ack(self, req: AckRequest) -> GroupState:
        self._clock.ack = AckState(req.by, req.until, req.on_behalf_of)
        await self._act(
            GroupAction(self._inp.group_id, "ack", req.by, until=req.until,
                        on_behalf_of=req.on_behalf_of)
        )  # fmt: skip
        return self._state()

    @ack.validator
    def _check_ack(self, req: AckRequest) -> None:
        _check_actor(req.by, req.on_behalf_of)
        self._check_firing()
        if req.until is not None and req.until <= workflow.now():
            raise ValueError("until: must be in the future")

    @workflow.update
    async def unack(self, req: ByRequest) -> GroupState:
        self._clock.ack = None
        self._resume_escalation()
        await self._act(
            GroupAction(self._inp.group_id, "unack", req.by, on_behalf_of=req.on_behalf_of)
        )
        return self._state()

    @unack.validator
    def _check_unack(self, req: ByRequest) -> None:
        _check_actor(req.by, req.on_behalf_of)
        if self._clock.ack is None:
            raise ValueError("the group is not acknowledged")

    @workflow.update
    async def assign(self, req: AssignRequest) -> GroupState:
        self._assignee = req.to
        await self._act(
            GroupAction(self._inp.group_id, "assign", req.by, to=req.to,
                        on_behalf_of=req.on_behalf_of)
        )  # fmt: skip
        return self._state()

    @assign.validator
    def _check_assign(self, req: AssignRequest) -> None:
        _check_actor(req.by, req.on_behalf_of)
        if not req.to.strip() or len(req.to) > MAX_ASSIGNEE:
            raise ValueError(f"to: a name of 1 to {MAX_ASSIGNEE} characters")

    @workflow.update
    async def resolve(self, req: ByRequest) -> GroupState:
        await self._act(
            GroupAction(self._inp.group_id, "resolve", req.by, on_behalf_of=req.on_behalf_of)
        )
        self._clock.escalation = None
        self._flush_now = True  # tell the resolution now, not after the group interval
        return self._state()

    @resolve.validator
    def _check_resolve(self, req: ByRequest) -> None:
        _check_actor(req.by, req.on_behalf_of)
        self._check_firing()

    @workflow.query
    def state(self) -> GroupState:
        return self._state()

    # --- the main loop's steps ---

    async def _flush(self) -> FlushResult:
        async with self._lock:
            now = workflow.now()
            self._dirty = self._flush_now = False
            req = FlushRequest(
                self._inp.group_id, self._inp.route, self._inp.group_labels,
                repeat=self._clock.repeat_due(now),
            )  # fmt: skip
            try:
                flushed = await call("flush_alert_group", req, FlushResult)
            except ActivityError:  # a template error: try again after the group interval
                workflow.logger.warning("alert group %s: flush failed", self._inp.group_id)
                flushed = FlushResult(self._clock.timings, self._firing, False, False)
        now = workflow.now()
        self._flushed, self._firing = True, flushed.firing
        clock = self._clock
        clock.timings, clock.last_flush_at = flushed.timings, now
        clock.wake_at = now + timedelta(seconds=flushed.wake_in) if flushed.wake_in else None
        if flushed.notified or (clock.next_repeat_at and clock.next_repeat_at <= now):
            clock.next_repeat_at = now + timedelta(seconds=flushed.timings.repeat_interval)
        if not flushed.firing:
            clock.next_repeat_at = clock.escalation = None
        elif flushed.notified and clock.escalation is None and flushed.escalation:
            due = now + timedelta(seconds=flushed.escalation_wait)
            clock.escalation = EscalationState(0, 0, due)
        return flushed

    async def _until_due(self) -> None:
        """Sleep until the next deadline or a signal/update; run any due escalation step or
        ack expiry on the way; return when a flush is due."""
        while True:
            now = workflow.now()
            due = self._clock.next(now, self._dirty)
            if self._flush_now or (due and due[1] <= now and due[0] not in (ACK_EXPIRED, ESCALATE)):
                return
            if due and due[1] <= now:
                await (self._ack_expired() if due[0] == ACK_EXPIRED else self._escalate())
                continue
            self._poke = False
            timeout = (due[1] - now) if due else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._poke, timeout=timeout)

    async def _escalate(self) -> None:
        escalation = self._clock.escalation
        assert escalation is not None
        async with self._lock:
            req = EscalationRequest(
                self._inp.group_id, self._inp.route, "", escalation.step, escalation.round
            )
            try:
                done = await call("escalate_alert_group", req, EscalationResult)
            except ActivityError:
                done = EscalationResult(stop=True)
        if self._clock.escalation is not escalation:  # acked, resolved meanwhile
            return
        now = workflow.now()
        if done.retry_in is not None:  # outside the step's window: wait for it to open
            escalation.due_at = now + timedelta(seconds=done.retry_in)
        elif done.stop or done.next_wait is None:
            self._clock.escalation = None
        else:
            self._clock.escalation = EscalationState(
                done.next_step, done.next_round, now + timedelta(seconds=done.next_wait)
            )

    async def _ack_expired(self) -> None:
        self._clock.ack = None
        self._resume_escalation()
        await self._act(GroupAction(self._inp.group_id, "unack", "ack expired"))

    def _resume_escalation(self) -> None:
        escalation = self._clock.escalation
        if escalation is not None and escalation.due_at is not None:
            escalation.due_at = max(escalation.due_at, workflow.now())

    # --- helpers ---

    async def _act(self, action: GroupAction) -> None:
        async with self._lock:
            await call("record_alert_group_action", action, type(None), DB_ACTIVITY_TIMEOUT)
        self._poke = True

    def _check_firing(self) -> None:
        if self._flushed and self._firing == 0:
            raise ValueError("nothing in this group fires")

    def _state(self) -> GroupState:
        ack = self._clock.ack
        step = self._clock.escalation.step if self._clock.escalation else 0
        return GroupState(
            self._firing, ack.by if ack else "", ack.until if ack else None, self._assignee, step,
            ack.on_behalf_of if ack else "",
        )  # fmt: skip

    def _history_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested() or info.get_current_history_length() > MAX_HISTORY
        )

    def _carried(self, result: AlertGroupResult) -> AlertGroupInput:
        c = self._clock
        return AlertGroupInput(
            self._inp.group_id, self._inp.route, self._inp.group_labels, c.timings,
            carried=True, last_flush_at=c.last_flush_at, next_repeat_at=c.next_repeat_at,
            escalation=c.escalation, ack=c.ack, firing=self._firing, dirty=self._dirty,
            wake_at=c.wake_at, flushes=result.flushes, messages=result.messages,
            assignee=self._assignee,
        )  # fmt: skip

    def _restore(self, inp: AlertGroupInput) -> None:
        self._clock = GroupClock(
            inp.timings, inp.last_flush_at, inp.next_repeat_at, inp.wake_at, inp.escalation,
            inp.ack,
        )  # fmt: skip
        self._flushed, self._firing, self._assignee = True, inp.firing, inp.assignee
        self._dirty = self._dirty or inp.dirty


def _check_actor(by: str, on_behalf_of: str) -> None:
    """Every decision names who made it; `on_behalf_of` is bounded free text beside that."""
    if not by.strip() or len(by) > MAX_ASSIGNEE:
        raise ValueError(f"by: a name of 1 to {MAX_ASSIGNEE} characters")
    if len(on_behalf_of) > MAX_ASSIGNEE:
        raise ValueError(f"on_behalf_of: at most {MAX_ASSIGNEE} characters")
