"""Messages about a file's task: a notify step's, an approve step's, and the failure notice.

Deterministic code only. The approval and failure notices are best effort: a notice that
cannot be sent must not fail the task.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.notify import NotifyActivities
    from sluice.actions import FailureNotice, NotifyRequest
    from sluice.contracts import (
        ApprovalNoticeOptions,
        FailureNoticeOptions,
        NotifyOptions,
        StepPlan,
    )
    from workflows.file_run import FileRun

NOTICE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=5)


def notify_request(
    run: FileRun, step: str, options: NotifyOptions, *, facts: dict[str, str]
) -> NotifyRequest:
    """The message `options` describe, about `run`'s file, sent by step `step`."""
    return NotifyRequest(
        task_id=workflow.info().workflow_id,
        step=step,
        channels=list(options.channels),
        event=options.event,
        facts={"rule": run.rule, **facts},
        context=run.context(),
        analysis=run.analysis if options.include_analysis else None,
        title_template=options.title,
        text_template=options.text,
        mentions=list(options.mentions),
    )


async def approval_notice(run: FileRun, step: StepPlan, options: ApprovalNoticeOptions) -> None:
    """Tell the approve step's channels that the file waits for a decision."""
    facts = {"status": "waiting_approval", "step": step.name, "timeout": f"{step.timeout_s:g}s"}
    request = notify_request(run, step.name, options, facts=facts)
    try:
        await workflow.execute_activity_method(
            NotifyActivities.send_notification,
            request,
            summary=f"{step.name}: approval notice to {', '.join(request.channels)}",
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=NOTICE_RETRY,
        )
    except ActivityError as err:
        workflow.logger.warning("approval notice for %s not sent: %s", step.name, err)


async def failure_notice(
    run: FileRun, options: FailureNoticeOptions, facts: dict[str, str]
) -> None:
    """Hand the rule's failure notice to each of its channels (aggregated per channel); the
    task has failed already."""
    request = notify_request(run, "on_failure", options, facts={"status": "failed", **facts})
    for channel in request.channels:
        try:
            await workflow.execute_activity_method(
                NotifyActivities.queue_failure_notice,
                FailureNotice(channel, request),
                summary=f"failure notice to {channel}",
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=NOTICE_RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning("failure notice to %s not queued: %s", channel, err)
