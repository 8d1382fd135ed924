"""What a FileWorkflow run records in the metadata DB, and which write carries each record.

Deterministic code only, run inside the workflow; RunRecorder is the one place that decides.
Every write costs the run a local activity, so transitions ride along with writes that
happen anyway:

1. Routing. The task's first transition (running, with the file) goes to the routing local
   activity (`route_request`), which writes it in its own transaction with the rule the task
   got and the first stage's remote steps as running (`Plan.started`, see
   activities/routing.py). Those first attempts are not noted again.
2. Batches. Every other transition is noted here and written by one `record` local activity
   at the next `write_soon` (before a step's activity is scheduled, so its running row comes
   first) or `flush` (before the run waits: a retry's backoff, an approval, compensation, its
   end). Changed search attributes go in one upsert with it. A local step (a verify without
   read-back) is recorded as it ends.
3. Verify writes the end. A local verify that is the plan's last step carries the run's end
   (`end_if_last` → `VerifyRequest.then`): the noted transitions, its own success and the
   task's. Its local activity writes them in its own transaction once the object checks
   out, so the run ends without another record activity; only the search attributes are
   left to upsert. If that write fails, the verify still succeeds and the run writes its
   end as usual.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from sluice.contracts import (
        FileWorkflowInput,
        Plan,
        RecordBatch,
        RouteRequest,
        StepPlan,
        StepUpdate,
        TaskUpdate,
    )
    from workflows.attempts import StepFailed, StepOutcome

STATUS = SearchAttributeKey.for_keyword("SluiceStatus")

RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


class RunRecorder:
    """Notes a run's transitions and writes them (see the module's docstring)."""

    def __init__(self) -> None:
        self.status = "pending"
        self._task_fields: dict[str, Any] = {}  # a task transition not written yet
        self._steps: list[StepUpdate] = []  # step transitions not written yet
        self._attributes: dict[str, SearchAttributeUpdate] = {}  # not upserted yet
        self._writes: list[workflow.ActivityHandle[None]] = []  # writes under way
        self._last: StepPlan | None = None  # the plan's last step, if it runs alone
        self._routed: set[str] = set()  # steps whose first attempt routing wrote
        self._attempts: dict[str, int] = {}  # the attempt each step is on
        self._succeeded: dict[str, int] = {}  # the attempt each step succeeded with
        self._end_written = False  # the last step's activity wrote the run's end

    # --- the task -----------------------------------------------------------------------

    def task(self, status: str, **fields: Any) -> None:
        """Note a task transition (merged with any not yet written)."""
        if status != self.status:
            self.attribute(STATUS.value_set(status))
        self.status = status
        self._task_fields |= {**fields, "status": status}

    def attribute(self, update: SearchAttributeUpdate) -> None:
        """Note a search attribute's new value; it is upserted with the next write."""
        self._attributes[update.key.name] = update

    def route_request(self, inp: FileWorkflowInput) -> RouteRequest:
        """Routing's request, carrying the task's first transition for it to write."""
        self.task("running", file=inp.file, retry_of=inp.retry_of)
        return RouteRequest(inp.file, self._take_task())

    def routed(self, plan: Plan) -> None:
        """Take note of what routing wrote, and of the step that may write the run's end."""
        self._routed = set(plan.started)
        last = plan.stages[-1] if plan.stages else []
        self._last = last[0] if len(last) == 1 else None

    # --- steps --------------------------------------------------------------------------

    def attempt_started(self, step: StepPlan, attempt: int) -> None:
        """Note the attempt as running, unless routing wrote it or it is local, and start
        writing it: Temporal runs this task's local activities before the step's activity."""
        self._attempts[step.name] = attempt
        if (attempt == 1 and step.name in self._routed) or step.is_local():
            return
        self._step(step, "running", attempt)
        self.write_soon()

    def attempt_failed(
        self, step: StepPlan, attempt: int, duration_ms: int, failed: StepFailed
    ) -> None:
        summary = failed.details if isinstance(failed.details, dict) else None
        self._step(step, "failed", attempt, duration_ms, failed=failed, summary=summary)

    def attempt_cancelled(
        self, step: StepPlan, attempt: int, duration_ms: int, summary: dict[str, str] | None
    ) -> None:
        failed = StepFailed("cancelled", "cancelled", retryable=False)
        self._step(step, "cancelled", attempt, duration_ms, failed=failed, summary=summary)

    def attempt_succeeded(
        self, step: StepPlan, attempt: int, duration_ms: int, outcome: StepOutcome
    ) -> None:
        self._step(step, "succeeded", attempt, duration_ms, summary=outcome.summary)
        self._succeeded[step.name] = attempt
        self._end_written = self._end_written or outcome.recorded

    def cleaned_up(
        self, step: StepPlan, attempt: int, failed: StepFailed, summary: dict[str, str]
    ) -> None:
        """Note what a step that gave up undid at once, on its last attempt's record."""
        self._step(step, "failed", attempt, failed=failed, summary=summary)

    def compensated(self, name: str, summary: dict[str, str]) -> None:
        """Note that step `name`'s successful attempt (else its last) was undone: an entry
        of its own after it, so the attempt stays recorded as it happened."""
        entry = self._succeeded.get(name) or self._attempts.get(name, 1)
        entry += 1
        task_id = workflow.info().workflow_id
        self._steps.append(StepUpdate(task_id, name, "", "compensated", entry, summary=summary))

    def end_if_last(self, step: StepPlan, **stored: str) -> RecordBatch | None:
        """The run's end, for `step`'s activity to write if it succeeds: when it is the
        plan's last step, what is noted, its success and the task's (with `stored`)."""
        if step is not self._last:
            return None
        info = workflow.info()
        task_fields = {**self._task_fields, "status": "succeeded", **stored}
        task = TaskUpdate(info.workflow_id, run_id=info.run_id, **task_fields)
        attempt = self._attempts[step.name]
        done = StepUpdate(info.workflow_id, step.name, step.type, "succeeded", attempt)
        return RecordBatch(task=task, steps=[*self._steps, done])

    # --- writing ------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write the noted transitions, and wait for every write started so far."""
        self.write_soon()
        writes, self._writes = self._writes, []
        for write in writes:
            await write

    def write_soon(self) -> None:
        """Start writing the noted transitions in one local activity, without waiting for it.

        Temporal completes a workflow task only after its local activities, so the write is
        done before anything this task schedules (a step's activity) can start; `flush`
        waits for it. Search attributes changed since the last write go in one upsert: each
        upsert is a history event and a visibility write on the server.
        """
        self.upsert_attributes()
        if self._end_written:  # nothing follows the last step's own write but the status
            self._task_fields, self._steps = {}, []
        if not self._task_fields and not self._steps:
            return
        task = self._take_task() if self._task_fields else None
        batch = RecordBatch(task=task, steps=self._steps)
        self._steps = []
        self._writes.append(
            workflow.start_local_activity_method(
                RecordActivities.record,
                batch,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RECORD_RETRY,
            )
        )

    def upsert_attributes(self) -> None:
        if self._attributes:
            workflow.upsert_search_attributes(list(self._attributes.values()))
            self._attributes = {}

    def _take_task(self) -> TaskUpdate:
        info = workflow.info()
        task = TaskUpdate(info.workflow_id, run_id=info.run_id, **self._task_fields)
        self._task_fields = {}
        return task

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
        self._steps.append(
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
