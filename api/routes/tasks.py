"""Tasks: list newest first with filters, and one task's file, steps and attempts."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query

from api.auth import read_write
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.models import (
    AttemptPublic,
    FileEventPublic,
    Role,
    StepPublic,
    Task,
    TaskDetail,
    TaskPage,
    TaskPublic,
    TaskStatus,
    TaskStep,
)
from api.services import tasks as task_service
from sluice.settings import TemporalSettings

router = APIRouter(
    prefix="/tasks",
    tags=["tasks"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)


@router.get("", response_model=TaskPage)
def list_tasks(
    session: SessionDep,
    settings: SettingsDep,
    status: TaskStatus | None = None,
    agent_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> TaskPage:
    """List tasks, newest first; follow `next_cursor` for older ones."""
    try:
        rows = task_service.list_tasks(
            session, status=status, agent_id=agent_id, limit=limit, cursor=cursor
        )
    except task_service.InvalidCursor as exc:
        raise ApiError(400, "invalid_cursor", str(exc)) from exc
    items = [task_public(task, settings.temporal) for task in rows.items]
    return TaskPage(items=items, next_cursor=rows.next_cursor)


@router.get("/{task_id}", response_model=TaskDetail)
def get_task(task_id: str, session: SessionDep, settings: SettingsDep) -> TaskDetail:
    """Show one task: its file, object, steps with every attempt, and its Temporal history."""
    task = task_service.get_task(session, task_id=task_id)
    if task is None:
        raise not_found("task", task_id)
    steps = [step_public(step) for step in task.steps]
    file_event = FileEventPublic.model_validate(task.file_event) if task.file_event else None
    public = task_public(task, settings.temporal)
    return TaskDetail(**public.model_dump(), file_event=file_event, steps=steps)


def task_public(task: Task, temporal: TemporalSettings) -> TaskPublic:
    file_event = task.file_event
    return TaskPublic.model_validate(
        task,
        update={
            "host": file_event.host if file_event else None,
            "rel_path": file_event.rel_path if file_event else None,
            "object_url": f"s3://{task.bucket}/{task.object_key}" if task.bucket else None,
            "temporal_url": temporal_url(temporal, task.workflow_id, task.run_id),
        },
    )


def step_public(step: TaskStep) -> StepPublic:
    history = [AttemptPublic.model_validate(attempt) for attempt in step.attempt_rows]
    return StepPublic.model_validate(step, update={"attempt_history": history})


def temporal_url(temporal: TemporalSettings, workflow_id: str, run_id: str) -> str:
    """The workflow's page in Temporal's Web UI (its history once the run id is known)."""
    base = f"{temporal.ui_url.rstrip('/')}/namespaces/{quote(temporal.namespace, safe='')}"
    workflow = f"{base}/workflows/{quote(workflow_id, safe='')}"
    return f"{workflow}/{quote(run_id, safe='')}/history" if run_id else workflow
