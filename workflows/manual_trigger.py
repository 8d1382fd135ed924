"""ManualTriggerWorkflow: run a file someone named through the API, once the host has seen it.

Only the host knows the file's size and mtime, and those make the file's workflow id. So
this small workflow asks the agent's host worker to stat the file (`stat_file` on
`sluice-host-<agent>`), then starts FileWorkflow for it as an abandoned child with the id
the agent would have used (sluice/starts.py): a file that ran before is not run again, and
the result names the existing run instead. Durable: if the agent is down, the stat waits
for it (up to AGENT_ANSWER_TIMEOUT), whatever happens to the API that asked.

Deterministic only: the stat is an activity; the start is a workflow command.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import (
    RetryPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    WorkflowAlreadyStartedError,
)
from temporalio.exceptions import TimeoutError as TemporalTimeout
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.stat import StatActivities, StatRequest
    from sluice.contracts import DetectedFile, FileWorkflowInput
    from sluice.manual import (
        EXISTING,
        MANUAL_TRIGGER_WORKFLOW,
        REFUSED,
        STARTED,
        ManualTriggerInput,
        ManualTriggerResult,
    )
    from sluice.starts import FILE_WORKFLOW, file_search_attributes

# How long the agent may take to answer before the trigger gives up (it may be restarting).
AGENT_ANSWER_TIMEOUT = timedelta(hours=1)
STAT_TIMEOUT = timedelta(seconds=30)
STAT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


@workflow.defn(name=MANUAL_TRIGGER_WORKFLOW)
class ManualTriggerWorkflow:
    @workflow.run
    async def run(self, inp: ManualTriggerInput) -> ManualTriggerResult:
        try:
            stat = await workflow.execute_activity_method(
                StatActivities.stat_file,
                StatRequest(inp.root, inp.rel_path),
                task_queue=inp.host_queue,
                start_to_close_timeout=STAT_TIMEOUT,
                schedule_to_close_timeout=AGENT_ANSWER_TIMEOUT,
                retry_policy=STAT_RETRY,
            )
        except ActivityError as exc:
            return _refusal(inp, exc)
        file = DetectedFile(
            agent_id=inp.agent_id,
            host=inp.host,
            root=stat.root,
            rel_path=stat.rel_path,
            size=stat.size,
            mtime_ns=stat.mtime_ns,
            detected_at=stat.detected_at,
        )
        result = ManualTriggerResult(
            STARTED, file.workflow_id, file.file_event_id, file.root, file.rel_path, file.size
        )
        try:
            await workflow.start_child_workflow(
                FILE_WORKFLOW,
                FileWorkflowInput(file, inp.host_queue),
                id=file.workflow_id,
                task_queue=inp.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=ParentClosePolicy.ABANDON,
                search_attributes=file_search_attributes(file),
            )
        except WorkflowAlreadyStartedError:
            result.status = EXISTING
        return result


def _refusal(inp: ManualTriggerInput, exc: ActivityError) -> ManualTriggerResult:
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        error_class, error = cause.type or "unknown", cause.message
    elif isinstance(cause, TemporalTimeout):
        error_class = "timeout"
        error = f"agent {inp.agent_id} did not answer within {AGENT_ANSWER_TIMEOUT}"
    else:
        error_class, error = "unknown", str(cause or exc)
    return ManualTriggerResult(
        REFUSED, root=inp.root, rel_path=inp.rel_path, error_class=error_class, error=error
    )
