"""Driving tasks through Temporal: cancel, retry or re-run as a linked run, approve, progress."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from sluice.contracts import (
    ApprovalDecision,
    DetectedFile,
    FileWorkflowInput,
    TaskProgress,
    UploadProgress,
    host_queue,
)
from sluice.settings import Settings
from sluice.starts import DECIDE_UPDATE, PROGRESS_QUERY, start_file_workflow
from store.models import FileEvent, Task, TaskStatus


class TaskConflict(Exception):
    """The task is in a state where this action makes no sense; the message says why."""


RETRYABLE = {TaskStatus.failed, TaskStatus.cancelled}


async def cancel_task(client: Client, task: Task) -> None:
    if TaskStatus(task.status).is_finished:
        raise TaskConflict(f"task {task.id} is already {task.status}")
    try:
        await client.get_workflow_handle(task.workflow_id).cancel()
    except RPCError as exc:
        raise TaskConflict(f"task {task.id} cannot be cancelled now: {exc.message}") from None


async def retry_task(session: Session, client: Client, settings: Settings, task: Task) -> str:
    """Start a fresh run for the task's file, linked to it; returns the new task id."""
    if TaskStatus(task.status) not in RETRYABLE:
        raise TaskConflict(
            f"only failed or cancelled tasks can be retried; {task.id} is {task.status}"
        )
    event = session.get(FileEvent, task.file_event_id) if task.file_event_id else None
    if event is None:
        raise TaskConflict(f"task {task.id} has no file event to run again")
    return await _run_again(session, client, settings, event, retry_of=task.id)


async def rerun_file_event(
    session: Session, client: Client, settings: Settings, event: FileEvent
) -> tuple[str, str]:
    """Run a known file again as a new task linked to its newest run, whatever its outcome.

    Returns (new task id, the id of the run it follows or ""); refused while a run of the
    file is still going.
    """
    latest = session.exec(
        select(Task)
        .where(col(Task.file_event_id) == event.id)
        .order_by(col(Task.created_at).desc(), col(Task.id).desc())
        .limit(1)
    ).first()
    if latest is not None and not TaskStatus(latest.status).is_finished:
        raise TaskConflict(
            f"file event {event.id} is still being handled by task {latest.id} ({latest.status})"
        )
    retry_of = latest.id if latest is not None else ""
    return await _run_again(session, client, settings, event, retry_of=retry_of), retry_of


async def _run_again(
    session: Session, client: Client, settings: Settings, event: FileEvent, *, retry_of: str
) -> str:
    """Start run n+1 of the file as `<file workflow id>-r<n+1>`; returns its id."""
    file = DetectedFile(
        agent_id=event.agent_id,
        host=event.host,
        root=event.root,
        rel_path=event.rel_path,
        size=event.size,
        mtime_ns=event.mtime_ns,
        detected_at=event.detected_at.isoformat(),
    )
    runs = session.exec(
        select(func.count()).select_from(Task).where(col(Task.file_event_id) == event.id)
    ).one()
    workflow_id = f"{file.workflow_id}-r{runs + 1}"
    inp = FileWorkflowInput(file, host_queue(event.agent_id), retry_of=retry_of)
    try:
        await start_file_workflow(
            client, inp, task_queue=settings.temporal.task_queue, workflow_id=workflow_id
        )
    except WorkflowAlreadyStartedError:
        what = f"a retry of {retry_of}" if retry_of else f"a run of file event {event.id}"
        raise TaskConflict(f"{what} is already running as {workflow_id}") from None
    return workflow_id


async def decide_task(client: Client, task: Task, decision: ApprovalDecision) -> str:
    """Send the decision to the waiting approve step; returns the step(s) it decided."""
    if TaskStatus(task.status) is not TaskStatus.waiting_approval:
        raise TaskConflict(f"task {task.id} is not waiting for approval (it is {task.status})")
    handle = client.get_workflow_handle(task.workflow_id)
    try:
        return await handle.execute_update(DECIDE_UPDATE, decision, result_type=str)
    except WorkflowUpdateFailedError as exc:
        raise TaskConflict(str(exc.cause or exc)) from None
    except RPCError as exc:
        raise TaskConflict(f"task {task.id} cannot take a decision now: {exc.message}") from None


@dataclass
class LiveProgress:
    progress: TaskProgress
    bytes_uploaded: int


async def task_progress(client: Client, task: Task) -> LiveProgress:
    """The workflow's own progress plus the bytes its running upload has heartbeated."""
    handle = client.get_workflow_handle(task.workflow_id, run_id=task.run_id or None)
    progress = await handle.query(PROGRESS_QUERY, result_type=TaskProgress)
    described = await handle.describe()
    uploaded = 0
    converter = client.data_converter.payload_converter
    for pending in described.raw_description.pending_activities:
        if pending.activity_type.name != "upload_file" or not pending.heartbeat_details.payloads:
            continue
        (details,) = converter.from_payloads(pending.heartbeat_details.payloads, [UploadProgress])
        uploaded += details.bytes_done if isinstance(details, UploadProgress) else 0
    return LiveProgress(progress, uploaded)
