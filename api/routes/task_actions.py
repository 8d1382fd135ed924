"""Task actions: cancel, retry as a linked run, approve or reject, live progress."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field

from api.auth import PrincipalDep, read_write
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.models import Role, Task
from api.services import task_control
from sluice.contracts import ApprovalDecision

router = APIRouter(
    prefix="/tasks",
    tags=["tasks"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)


class ActionAccepted(BaseModel):
    task_id: str
    action: str
    detail: str = ""


class Decision(BaseModel):
    approved: bool
    comment: str = Field(default="", max_length=2000)
    by: str = Field(
        default="", max_length=200, description="Who decided; default: the token's name."
    )


class Progress(BaseModel):
    task_id: str
    status: str
    stage: int = Field(description="Index of the running stage, -1 before routing.")
    stages: int
    running: list[str]
    rule: str
    waiting_for_approval: str
    bytes_uploaded: int


def _task(session: SessionDep, task_id: str) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise not_found("task", task_id)
    return task


def _conflict(exc: task_control.TaskConflict) -> ApiError:
    return ApiError(409, "conflict", str(exc))


@router.post("/{task_id}:cancel", response_model=ActionAccepted, status_code=202)
async def cancel_task(task_id: str, session: SessionDep, temporal: TemporalDep) -> ActionAccepted:
    """Cancel a running task: its running step stops and completed steps are compensated."""
    try:
        await task_control.cancel_task(temporal, _task(session, task_id))
    except task_control.TaskConflict as exc:
        raise _conflict(exc) from None
    return ActionAccepted(task_id=task_id, action="cancel")


@router.post("/{task_id}:retry", response_model=ActionAccepted, status_code=202)
async def retry_task(
    task_id: str, session: SessionDep, settings: SettingsDep, temporal: TemporalDep
) -> ActionAccepted:
    """Run a failed or cancelled task's file again as a new task linked by `retry_of`."""
    try:
        new_id = await task_control.retry_task(session, temporal, settings, _task(session, task_id))
    except task_control.TaskConflict as exc:
        raise _conflict(exc) from None
    return ActionAccepted(task_id=new_id, action="retry", detail=f"retry of {task_id}")


@router.post("/{task_id}:approve", response_model=ActionAccepted)
async def approve_task(
    task_id: str,
    decision: Annotated[Decision, Body()],
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
) -> ActionAccepted:
    """Approve or reject the task's waiting approval step."""
    task = _task(session, task_id)
    by = decision.by or principal.name
    try:
        steps = await task_control.decide_task(
            temporal, task, ApprovalDecision(decision.approved, by, decision.comment)
        )
    except task_control.TaskConflict as exc:
        raise _conflict(exc) from None
    verdict = "approved" if decision.approved else "rejected"
    return ActionAccepted(task_id=task_id, action="approve", detail=f"{steps} {verdict}")


@router.get("/{task_id}/progress", response_model=Progress)
async def task_progress(task_id: str, session: SessionDep, temporal: TemporalDep) -> Progress:
    """Live progress from the workflow: stage, running steps and bytes uploaded so far."""
    task = _task(session, task_id)
    live = await task_control.task_progress(temporal, task)
    p = live.progress
    return Progress(
        task_id=task_id,
        status=p.status,
        stage=p.stage,
        stages=p.stages,
        running=p.running,
        rule=p.rule,
        waiting_for_approval=p.waiting_for_approval,
        bytes_uploaded=live.bytes_uploaded,
    )
