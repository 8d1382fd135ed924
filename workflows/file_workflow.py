"""FileWorkflow: one finished file, routed to a plan of steps, compensated if it fails.

Deterministic only: every side effect is an activity (see workflows/steps.py), and what the
run records, and which write carries it, is workflows/recorder.py's to decide.

It runs outside Temporal's sandbox, one run per file. The sandbox imports a workflow's
module afresh for every run and wraps every activation; that was about 20 ms of the central
worker's CPU per file, a third of it (bench/pipeline.py), and it never covered the modules
imported here, where most of this workflow's code lives. What the sandbox would catch,
tests/workflows/test_determinism.py checks in every workflow module, and the replay test
checks the commands.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.routing import RoutingActivities
    from sluice.contracts import (
        ApprovalDecision,
        ApproveOptions,
        FailureNoticeOptions,
        FileWorkflowInput,
        FileWorkflowResult,
        Plan,
        StepPlan,
        TaskProgress,
    )
    from workflows import steps, tasklog
    from workflows.attempts import StepFailed, gave_up
    from workflows.file_run import FileRun
    from workflows.recorder import RunRecorder
    from workflows.task_notices import failure_notice
    from workflows.undo import Undo, run_undo

RULE = SearchAttributeKey.for_keyword("SluiceRule")

ROUTE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


class PipelineFailed(Exception):
    def __init__(self, step: StepPlan, failed: StepFailed) -> None:
        super().__init__(failed.message)
        self.step = step
        self.failed = failed


@workflow.defn(sandboxed=False)
class FileWorkflow:
    def __init__(self) -> None:
        self._records = RunRecorder()
        self._plan: Plan | None = None
        self._stage = -1
        self._running: list[str] = []
        self._waiting: list[str] = []
        self._decision: ApprovalDecision | None = None
        self._undo: list[Undo] = []

    @workflow.query
    def progress(self) -> TaskProgress:
        plan = self._plan
        return TaskProgress(
            status=self._records.status,
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
            raise ValueError(f"not waiting for approval (status {self._records.status})")

    @workflow.run
    async def run(self, inp: FileWorkflowInput) -> FileWorkflowResult:
        run = FileRun(inp, self._records, self._wait_for_approval)
        try:
            plan = await self._route(inp, run)
            if plan.action == "ignore":
                self._records.task("ignored")
                await self._records.flush()
                tasklog.task_finished(inp.file, "ignored")
                return FileWorkflowResult("ignored")
            await self._execute(plan, run)
        except PipelineFailed as failed:
            compensated = failed.step.on_failure == "compensate"
            if compensated:
                await self._compensate()
            error, error_class = failed.failed.message, failed.failed.error_class
            self._records.task("failed", error=error, error_class=error_class)
            await self._records.flush()
            tasklog.task_finished(inp.file, "failed", error_class, error)
            notice = self._plan.on_failure_notify if self._plan else None
            if isinstance(notice, FailureNoticeOptions):
                facts = {
                    "step": failed.step.name,
                    "error": error,
                    "error_class": error_class,
                    "compensated": "yes" if compensated else "",
                }
                await failure_notice(run, notice, facts)
            raise ApplicationError(
                f"step {failed.step.name} failed: {error}", type=error_class, non_retryable=True
            ) from None
        except BaseException as exc:
            if not is_cancelled_exception(exc):
                raise  # a bug: the workflow task fails and Temporal retries it after a fix
            await self._compensate()
            self._records.task("cancelled", error="cancelled", error_class="cancelled")
            await self._records.flush()
            tasklog.task_finished(inp.file, "cancelled")
            raise
        self._records.task("succeeded", **run.stored())
        await self._records.flush()
        tasklog.task_finished(inp.file, "succeeded")
        up = run.upload
        if up is None:
            return FileWorkflowResult("succeeded")
        return FileWorkflowResult("succeeded", up.bucket, up.key, up.sha256, up.size)

    async def _route(self, inp: FileWorkflowInput, run: FileRun) -> Plan:
        """Resolve the plan; the routing activity also writes the task's first transition."""
        plan = await workflow.execute_local_activity_method(
            RoutingActivities.resolve_route,
            self._records.route_request(inp),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=ROUTE_RETRY,
        )
        self._plan = plan
        self._records.routed(plan)
        run.rule = plan.rule_name
        self._records.attribute(RULE.value_set(plan.rule_name or "default"))
        self._records.upsert_attributes()
        workflow.set_current_details(tasklog.plan_details(plan))
        return plan

    async def _execute(self, plan: Plan, run: FileRun) -> None:
        for index, stage in enumerate(plan.stages):
            self._stage = index
            results = await asyncio.gather(
                *(self._run_step(step, run) for step in stage), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result

    async def _run_step(self, step: StepPlan, run: FileRun) -> None:
        """Run `step` with its retry policy, recording every attempt."""
        self._running.append(step.name)
        if step.type == "archive" and workflow.patched("archive-keeps-object"):
            # From here the source may be deleted or moved: the stored object may be the
            # file's only copy, so no compensation deletes it (a cancel cannot stop an archive
            # that has started: it does not heartbeat).
            self._undo = [undo for undo in self._undo if undo.kind != "delete_object"]
        try:
            attempt = 0
            first_started = workflow.now()
            while True:
                attempt += 1
                self._records.attempt_started(step, attempt)
                started = workflow.now()
                try:
                    outcome = await steps.attempt(run, step)
                except StepFailed as failed:
                    self._records.attempt_failed(step, attempt, _ms_since(started), failed)
                    delay = _next_delay(step, failed, attempt, first_started)
                    file = run.input.file
                    tasklog.attempt_failed(file, step.name, attempt, failed, delay)
                    if delay is None:
                        gave_up(failed, step, attempt, _ms_since(first_started) / 1000)
                        await self._give_up(step, run, failed, attempt)
                        if step.on_failure == "continue":
                            return
                        raise PipelineFailed(step, failed) from None
                    self._records.task("retrying")
                    await self._records.flush()
                    await workflow.sleep(delay)
                    self._records.task("running")
                    continue
                except BaseException as exc:
                    if is_cancelled_exception(exc):
                        self._undo.extend(steps.cleanup(run, step, None))
                        summary = run.cancelled.pop(step.name, None)
                        self._records.attempt_cancelled(step, attempt, _ms_since(started), summary)
                    raise
                self._records.attempt_succeeded(step, attempt, _ms_since(started), outcome)
                self._undo.extend(outcome.undo)
                return
        finally:
            self._running.remove(step.name)

    async def _give_up(
        self, step: StepPlan, run: FileRun, failed: StepFailed, attempt: int
    ) -> None:
        """A step that failed for good cleans up after itself whatever on_failure says."""
        await self._records.flush()
        for undo in steps.cleanup(run, step, failed):
            done = await run_undo(undo)
            self._undo = [u for u in self._undo if u.ref != undo.ref]
            # Noting it costs a record write before compensation: runs started before this
            # change had none, and must replay the same commands.
            if workflow.patched("record-cleanup"):
                self._records.cleaned_up(step, attempt, failed, done)

    async def _compensate(self) -> None:
        await self._records.flush()
        while self._undo:
            undo = self._undo.pop()
            self._records.compensated(undo.step, await run_undo(undo))
        await self._records.flush()

    async def _wait_for_approval(self, step: StepPlan, options: ApproveOptions) -> ApprovalDecision:
        self._waiting.append(step.name)
        self._records.task("waiting_approval")
        await self._records.flush()
        try:
            await workflow.wait_condition(
                lambda: self._decision is not None, timeout=timedelta(seconds=step.timeout_s)
            )
        except TimeoutError:
            return ApprovalDecision(
                options.default == "approve", "timeout", f"no decision within {step.timeout_s:g}s"
            )
        finally:
            self._waiting.remove(step.name)
        assert self._decision is not None
        decision = self._decision
        if not self._waiting:
            self._decision = None
            self._records.task("running")
        return decision


def _next_delay(
    step: StepPlan, failed: StepFailed, attempt: int, first_started: Any
) -> timedelta | None:
    """How long to wait before the next attempt, or None to give up (see RetrySettings)."""
    retry = step.retry
    if not failed.retryable:
        return None
    elapsed_s = (workflow.now() - first_started).total_seconds()
    seconds = retry.next_delay_s(attempt, failed.error_class, elapsed_s, failed.retry_after_s)
    # Runs from before the retry deadline gave up after max_attempts, and replay doing so.
    if seconds is None or (attempt >= retry.max_attempts and not workflow.patched("deadline")):
        return None
    return timedelta(seconds=seconds)


def _ms_since(started: Any) -> int:
    return int((workflow.now() - started).total_seconds() * 1000)
