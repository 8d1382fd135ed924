"""Tasks: list newest first with filters, and one task's file, steps and attempts."""

from datetime import UTC, datetime
from functools import cache, partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response
from pydantic_core import to_json
from sqlalchemy import Row

from api.auth import read_write
from api.deps import EngineDep, SessionDep, SettingsDep, read_in_session
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.models import TaskDownload
from api.services import downloads
from api.services import tasks as task_service
from sluice.settings import TemporalSettings
from store.models import (
    AttemptPublic,
    FileEventPublic,
    LinkedRun,
    Role,
    StepPublic,
    Task,
    TaskDetail,
    TaskPage,
    TaskPublic,
    TaskRun,
    TaskStatus,
    TaskStep,
)
from store.models.common import ApiTime, RowId

LISTED_NAMES = [column.name for column in task_service.LISTED]

router = APIRouter(
    prefix="/tasks",
    tags=["tasks"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)


@router.get("", response_model=TaskPage)
async def list_tasks(
    engine: EngineDep,
    settings: SettingsDep,
    status: TaskStatus | None = None,
    agent_id: str | None = None,
    rule_id: RowId | None = None,
    error_class: Annotated[
        str | None, Query(description="e.g. network, timeout, checksum, rejected")
    ] = None,
    path: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=1000,
            description="Case-insensitive substring of the file's path under its root. "
            "A page examines a bounded number of tasks, so it may hold fewer than `limit` "
            "items (even none) and still have a `next_cursor`.",
        ),
    ] = None,
    created_from: Annotated[
        ApiTime | None, Query(description="Created at or after (ISO 8601; naive is UTC).")
    ] = None,
    created_to: Annotated[
        ApiTime | None, Query(description="Created before (ISO 8601; naive is UTC).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Response:
    """List tasks newest first, filtered; follow `next_cursor` for older ones."""
    try:
        page = await read_in_session(
            engine,
            partial(
                task_service.list_tasks,
                status=status,
                agent_id=agent_id,
                rule_id=rule_id,
                error_class=error_class,
                path=path,
                created_from=as_utc(created_from),
                created_to=as_utc(created_to),
                limit=limit,
                cursor=cursor,
            ),
        )
    except task_service.InvalidCursor as exc:
        raise ApiError(422, "invalid_cursor", str(exc)) from exc
    # Serialised here, as TaskPage would be, rather than validating each item into a model
    # first (tests/api/test_routes.py checks the body against TaskPage).
    items = [listed_task(row, settings.temporal) for row in page.items]
    body = to_json({"items": items, "next_cursor": page.next_cursor})
    return Response(body, media_type="application/json")


@router.get("/{task_id}", response_model=TaskDetail)
def get_task(task_id: str, session: SessionDep, settings: SettingsDep) -> TaskDetail:
    """Show one task: its file, object, steps with every attempt, and its Temporal history."""
    task = task_service.get_task(session, task_id=task_id)
    if task is None:
        raise not_found("task", task_id)
    file_event = FileEventPublic.model_validate(task.file_event) if task.file_event else None
    run = task_run(task, settings.temporal)
    linked = [LinkedRun.model_validate(other) for other in task_service.other_runs(session, task)]
    return TaskDetail(**run.model_dump(), file_event=file_event, linked_runs=linked)


@router.get(
    "/{task_id}/download",
    response_model=TaskDownload,
    responses={502: {"model": ErrorBody, "description": "the object store did not answer"}},
)
def download_task_object(task_id: str, session: SessionDep, settings: SettingsDep) -> TaskDownload:
    """A short-lived presigned GET link to the task's stored object (404 if there is none)."""
    task = session.get(Task, task_id)
    if task is None:
        raise not_found("task", task_id)
    filename = task.object_key.rsplit("/", 1)[-1]
    try:
        link = downloads.presigned_download(
            settings.storage, bucket=task.bucket, key=task.object_key, filename=filename
        )
    except downloads.ObjectMissing as exc:
        raise ApiError(404, "not_found", f"task {task_id!r}: {exc}") from None
    except downloads.StorageUnavailable as exc:
        raise ApiError(502, "storage_unavailable", str(exc)) from None
    return TaskDownload(
        task_id=task_id,
        bucket=task.bucket,
        key=task.object_key,
        size=link.size,
        url=link.url,
        expires_at=link.expires_at,
    )


def as_utc(value: datetime | None) -> datetime | None:
    """Query times without a zone are UTC, as every stored time is."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def task_run(task: Task, temporal: TemporalSettings) -> TaskRun:
    """A task with its steps (which must be loaded) and every attempt of each."""
    public = task_public(task, temporal)
    return TaskRun(**public.model_dump(), steps=[step_public(step) for step in task.steps])


def task_public(task: Task, temporal: TemporalSettings) -> TaskPublic:
    file_event = task.file_event
    return TaskPublic.model_validate(
        task,
        update={
            "host": file_event.host if file_event else None,
            "rel_path": file_event.rel_path if file_event else None,
            "object_url": object_url(task.bucket, task.object_key),
            "temporal_url": temporal_url(temporal, task.workflow_id, task.run_id),
        },
    )


def step_public(step: TaskStep) -> StepPublic:
    history = [AttemptPublic.model_validate(attempt) for attempt in step.attempt_rows]
    return StepPublic.model_validate(step, update={"attempt_history": history})


def listed_task(row: Row[Any], temporal: TemporalSettings) -> dict[str, Any]:
    """A `TaskPublic` as a dict, from a row of `task_service.LISTED` columns."""
    item = dict(zip(LISTED_NAMES, row, strict=True))
    item["object_url"] = object_url(item["bucket"], item["object_key"])
    item["temporal_url"] = temporal_url(temporal, item["workflow_id"], item["run_id"])
    return item


def object_url(bucket: str, key: str) -> str | None:
    return f"s3://{bucket}/{key}" if bucket else None


def temporal_url(temporal: TemporalSettings, workflow_id: str, run_id: str) -> str:
    """The workflow's page in Temporal's Web UI (its history once the run id is known)."""
    workflow = workflows_url(temporal.ui_url, temporal.namespace) + quote(workflow_id, safe="")
    return f"{workflow}/{quote(run_id, safe='')}/history" if run_id else workflow


@cache
def workflows_url(ui_url: str, namespace: str) -> str:
    return f"{ui_url.rstrip('/')}/namespaces/{quote(namespace, safe='')}/workflows/"
