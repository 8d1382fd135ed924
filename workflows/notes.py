"""What FileWorkflow writes: task and step transitions, noted as they happen, written in batches.

Deterministic code only, run inside the workflow. A batch is one local activity
(`RecordActivities.record`), and changed search attributes go in one upsert: each write and
each upsert costs the run, so transitions wait for the next write instead of having their own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate

from activities.records import RecordActivities
from sluice.contracts import RecordBatch, StepPlan, StepUpdate, TaskUpdate
from workflows.attempts import StepFailed

STATUS = SearchAttributeKey.for_keyword("SluiceStatus")

RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


class RunNotes:
    def __init__(self) -> None:
        self.status = "pending"
        self.end_written = False  # the last step's activity wrote the run's end
        self._task_fields: dict[str, Any] = {}  # a task transition not written yet
        self._steps: list[StepUpdate] = []  # step transitions not written yet
        self._attributes: dict[str, SearchAttributeUpdate] = {}  # not upserted yet
        self._writes: list[workflow.ActivityHandle[None]] = []  # writes under way

    def task(self, status: str, **fields: Any) -> None:
        """Note a task transition (merged with any not yet written); `flush` writes it."""
        if status != self.status:
            self.attribute(STATUS.value_set(status))
        self.status = status
        self._task_fields |= {**fields, "status": status}

    def step(
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

    def compensated(self, name: str, attempt: int, summary: dict[str, str]) -> None:
        """Note that `attempt` of step `name` was undone: an entry of its own after it, so
        the attempt stays recorded as it happened."""
        task_id = workflow.info().workflow_id
        entry = attempt + 1
        self._steps.append(StepUpdate(task_id, name, "", "compensated", entry, summary=summary))

    def attribute(self, update: SearchAttributeUpdate) -> None:
        """Note a search attribute's new value; it is upserted with the next write."""
        self._attributes[update.key.name] = update

    def take_task(self) -> TaskUpdate:
        """The noted task transition, for an activity that writes it itself (routing)."""
        info = workflow.info()
        task = TaskUpdate(info.workflow_id, run_id=info.run_id, **self._task_fields)
        self._task_fields = {}
        return task

    def end(self, step: StepPlan, attempt: int, **fields: str) -> RecordBatch:
        """What a success ends with if `step` is the last: the noted steps, it, and the task."""
        info = workflow.info()
        task_fields = {**self._task_fields, "status": "succeeded", **fields}
        task = TaskUpdate(info.workflow_id, run_id=info.run_id, **task_fields)
        done = StepUpdate(info.workflow_id, step.name, step.type, "succeeded", attempt)
        return RecordBatch(task=task, steps=[*self._steps, done])

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
        if self.end_written:  # nothing follows the last step's own write but the status
            self._task_fields, self._steps = {}, []
        if not self._task_fields and not self._steps:
            return
        task = self.take_task() if self._task_fields else None
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
