"""FileWorkflow: one finished file, routed to a plan of steps, compensated if it fails.

Deterministic only: every side effect is an activity (see workflows/steps.py).
"""

# No `from __future__ import annotations`: the sandbox imports this module afresh for every
# workflow, and @workflow.defn reads the handlers' type hints each time; strings cost more.

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from activities.routing import RoutingActivities
    from sluice.contracts import (
        ApprovalDecision,
        FileWorkflowInput,
        FileWorkflowResult,
        Plan,
        RecordBatch,
        RouteRequest,
        StepPlan,
        StepUpdate,
        TaskProgress,
        TaskUpdate,
    )
    from workflows.steps import StepFailed, StepRunner, Undo, run_undo

STATUS = SearchAttributeKey.for_keyword("SluiceStatus")
RULE = SearchAttributeKey.for_keyword("SluiceRule")

ROUTE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


class PipelineFailed(Exception):
    def __init__(self, step: StepPlan, failed: StepFailed) -> None:
        super().__init__(failed.message)
        self.step = step
        self.failed = failed


@workflow.defn
class FileWorkflow:
    def __init__(self) -> None:
        self._status = "pending"
        self._plan: Plan | None = None
        self._stage = -1
        self._running: list[str] = []
        self._waiting: list[str] = []
        self._decision: ApprovalDecision | None = None
        self._undo: list[Undo] = []
        self._attempts: dict[str, int] = {}
        self._task_fields: dict[str, Any] = {}  # a task transition not written yet
        self._step_updates: list[StepUpdate] = []  # step transitions not written yet
        self._attributes: dict[str, SearchAttributeUpdate] = {}  # not upserted yet
        self._writes: list[workflow.ActivityHandle[None]] = []  # record writes under way
        self._started: set[str] = set()  # steps the routing activity recorded as running
        self._end_written = False  # the last step's activity wrote the run's end

    @workflow.query
    def progress(self) -> TaskProgress:
        plan = self._plan
        return TaskProgress(
            status=self._status,
            stage=self._stage,
            stages=len(plan.stages) if plan else 0,
            running=list(self._running),
            rule=plan.rule_name if plan else "",
            waiting_for_approval=", ".join(self._waiting),
        )

    @workflow.update
    async def decide(self, decision: ApprovalDecision) -> str:
        """Approve or reject the step waiting for a human decision."""
        self._decision = decision
        return ", ".join(self._waiting)

    @decide.validator
    def _only_while_waiting(self, decision: ApprovalDecision) -> None:
        if not self._waiting:
            raise ValueError(f"not waiting for approval (status {self._status})")

    @workflow.run
    async def run(self, inp: FileWorkflowInput) -> FileWorkflowResult:
        self._task("running", file=inp.file, retry_of=inp.retry_of)  # written by routing
        runner = StepRunner(inp, self._wait_for_approval)
        try:
            plan = await self._route(inp, runner)
            if plan.action == "ignore":
                self._task("ignored")
                await self._flush()
                return FileWorkflowResult("ignored")
            await self._execute(plan, runner)
        except PipelineFailed as failed:
            compensated = failed.step.on_failure == "compensate"
            if compensated:
                await self._compensate()
            error, error_class = failed.failed.message, failed.failed.error_class
            self._task("failed", error=error, error_class=error_class)
            await self._flush()
            if self._plan is not None and self._plan.on_failure_notify:
                facts = {
                    "step": failed.step.name,
                    "error": error,
                    "error_class": error_class,
                    "compensated": "yes" if compensated else "",
                }
                await runner.failure_notice(self._plan.on_failure_notify, facts)
            raise ApplicationError(
                f"step {failed.step.name} failed: {error}", type=error_class, non_retryable=True
            ) from None
        except BaseException as exc:
            if not is_cancelled_exception(exc):
                raise  # a bug: the workflow task fails and Temporal retries it after a fix
            await self._compensate()
            self._task("cancelled", error="cancelled", error_class="cancelled")
            await self._flush()
            raise
        self._task("succeeded", **_stored(runner))
        await self._flush()
        up = runner.upload
        if up is None:
            return FileWorkflowResult("succeeded")
        return FileWorkflowResult("succeeded", up.bucket, up.key, up.sha256, up.size)

    async def _route(self, inp: FileWorkflowInput, runner: StepRunner) -> Plan:
        """Resolve the plan; the routing activity also writes the noted task transition."""
        info = workflow.info()
        task = TaskUpdate(info.workflow_id, run_id=info.run_id, **self._task_fields)
        self._task_fields = {}
        plan = await workflow.execute_local_activity_method(
            RoutingActivities.resolve_route,
            RouteRequest(inp.file, task),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=ROUTE_RETRY,
        )
        self._plan = plan
        self._started = set(plan.started)
        runner.rule = plan.rule_name
        self._attributes[RULE.name] = RULE.value_set(plan.rule_name or "default")
        self._upsert_attributes()
        return plan

    async def _execute(self, plan: Plan, runner: StepRunner) -> None:
        for index, stage in enumerate(plan.stages):
            self._stage = index
            results = await asyncio.gather(
                *(self._run_step(step, runner) for step in stage), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result

    async def _run_step(self, step: StepPlan, runner: StepRunner) -> None:
        """Run `step` with its retry policy, recording every attempt."""
        self._running.append(step.name)
        try:
            attempt = 0
            while True:
                attempt += 1
                routed = attempt == 1 and step.name in self._started  # recorded by routing
                if not routed and not step.is_local():  # a local step is recorded as it ends
                    self._step(step, "running", attempt)
                    self._write_soon()  # written before the step's activity is scheduled
                if step.is_local():
                    runner.finish = self._end_if_last(step, attempt, runner)
                started = workflow.now()
                try:
                    outcome = await runner.attempt(step)
                except StepFailed as failed:
                    elapsed = _ms_since(started)
                    summary = failed.details if isinstance(failed.details, dict) else None
                    self._step(step, "failed", attempt, elapsed, failed=failed, summary=summary)
                    delay = _next_delay(step, failed, attempt)
                    if delay is None:
                        await self._give_up(step, runner, failed, attempt)
                        if step.on_failure == "continue":
                            return
                        raise PipelineFailed(step, failed) from None
                    self._task("retrying")
                    await self._flush()
                    await workflow.sleep(delay)
                    self._task("running")
                    continue
                except BaseException as exc:
                    if is_cancelled_exception(exc):
                        self._undo.extend(runner.cleanup(step, None))
                        self._step(
                            step,
                            "failed",
                            attempt,
                            _ms_since(started),
                            failed=StepFailed("cancelled", "cancelled", retryable=False),
                        )
                    raise
                self._step(step, "succeeded", attempt, _ms_since(started), summary=outcome.summary)
                self._end_written = outcome.recorded
                self._undo.extend(outcome.undo)
                self._attempts[step.name] = attempt
                return
        finally:
            self._running.remove(step.name)

    def _end_if_last(self, step: StepPlan, attempt: int, runner: StepRunner) -> RecordBatch | None:
        """What a success ends with, if `step` is the last the plan runs (see StepRunner.finish)."""
        plan = self._plan
        assert plan is not None
        if self._stage != len(plan.stages) - 1 or len(plan.stages[-1]) != 1:
            return None
        info = workflow.info()
        fields = {**self._task_fields, "status": "succeeded", **_stored(runner)}
        task = TaskUpdate(info.workflow_id, run_id=info.run_id, **fields)
        done = StepUpdate(info.workflow_id, step.name, step.type, "succeeded", attempt)
        return RecordBatch(task=task, steps=[*self._step_updates, done])

    async def _give_up(
        self, step: StepPlan, runner: StepRunner, failed: StepFailed, attempt: int
    ) -> None:
        """A step that failed for good cleans up after itself whatever on_failure says."""
        await self._flush()
        for undo in runner.cleanup(step, failed):
            await run_undo(undo)
            self._undo = [u for u in self._undo if u.ref != undo.ref]
            # Noting it costs a record write before compensation: runs started before this
            # change had none, and must replay the same commands.
            if workflow.patched("record-cleanup"):
                self._step(step, "failed", attempt, failed=failed, summary=undo.done())

    async def _compensate(self) -> None:
        await self._flush()
        while self._undo:
            undo = self._undo.pop()
            await run_undo(undo)
            attempt = self._attempts.get(undo.step, 1)
            self._step_updates.append(
                StepUpdate(
                    workflow.info().workflow_id,
                    undo.step,
                    "",
                    "compensated",
                    attempt,
                    summary=undo.done(),
                )
            )
        await self._flush()

    async def _wait_for_approval(self, step: StepPlan) -> ApprovalDecision:
        self._waiting.append(step.name)
        self._task("waiting_approval")
        await self._flush()
        try:
            await workflow.wait_condition(
                lambda: self._decision is not None, timeout=timedelta(seconds=step.timeout_s)
            )
        except TimeoutError:
            default = str(step.options.get("default", "reject"))
            return ApprovalDecision(
                default == "approve", "timeout", f"no decision within {step.timeout_s:g}s"
            )
        finally:
            self._waiting.remove(step.name)
        assert self._decision is not None
        decision = self._decision
        if not self._waiting:
            self._decision = None
            self._task("running")
        return decision

    def _step(
        self,
        step: StepPlan,
        status: str,
        attempt: int,
        duration_ms: int = 0,
        *,
        failed: StepFailed | None = None,
        summary: dict[str, str] | None = None,
    ) -> None:
        """Note a step transition; it is written with the next flush."""
        self._step_updates.append(
            StepUpdate(
                task_id=workflow.info().workflow_id,
                name=step.name,
                step_type=step.type,
                status=status,
                attempt=attempt,
                duration_ms=duration_ms,
                error=failed.message if failed else "",
                error_class=failed.error_class if failed else "",
                summary=summary or {},
            )
        )

    def _task(self, status: str, **fields: Any) -> None:
        """Note a task transition (merged with any not yet written); flush writes it."""
        if status != self._status:
            self._attributes[STATUS.name] = STATUS.value_set(status)
        self._status = status
        self._task_fields |= {**fields, "status": status}

    async def _flush(self) -> None:
        """Write the noted transitions, and wait for every write started so far."""
        self._write_soon()
        writes, self._writes = self._writes, []
        for write in writes:
            await write

    def _write_soon(self) -> None:
        """Start writing the noted transitions in one local activity, without waiting for it.

        Temporal completes a workflow task only after its local activities, so the write is
        done before anything this task schedules (a step's activity) can start; `_flush`
        waits for it. Search attributes changed since the last write go in one upsert: each
        upsert is a history event and a visibility write on the server.
        """
        self._upsert_attributes()
        if self._end_written:  # nothing follows the last step's own write but the status
            self._task_fields, self._step_updates = {}, []
        if not self._task_fields and not self._step_updates:
            return
        info = workflow.info()
        task = None
        if self._task_fields:
            task = TaskUpdate(info.workflow_id, run_id=info.run_id, **self._task_fields)
        batch = RecordBatch(task=task, steps=self._step_updates)
        self._task_fields, self._step_updates = {}, []
        self._writes.append(
            workflow.start_local_activity_method(
                RecordActivities.record,
                batch,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RECORD_RETRY,
            )
        )

    def _upsert_attributes(self) -> None:
        if self._attributes:
            workflow.upsert_search_attributes(list(self._attributes.values()))
            self._attributes = {}


def _next_delay(step: StepPlan, failed: StepFailed, attempt: int) -> timedelta | None:
    """How long to wait before the next attempt, or None to give up."""
    retry = step.retry
    if not failed.retryable or failed.error_class in retry.non_retryable:
        return None
    if attempt >= retry.max_attempts:
        return None
    seconds = min(retry.initial_interval_s * retry.backoff ** (attempt - 1), retry.max_interval_s)
    if failed.retry_after_s is not None:  # the server said when (Retry-After), within reason
        seconds = max(seconds, min(failed.retry_after_s, retry.max_interval_s))
    return timedelta(seconds=seconds)


def _stored(runner: StepRunner) -> dict[str, str]:
    """Where the run's upload put the file, for the task's record."""
    up = runner.upload
    return {} if up is None else {"bucket": up.bucket, "key": up.key, "sha256": up.sha256}


def _ms_since(started: Any) -> int:
    return int((workflow.now() - started).total_seconds() * 1000)
