"""Files the agents detected: list them newest first, and show one file's whole life."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import require
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.models import FileEventDetail, FileEventPage, FileEventSummary
from api.routes.tasks import as_utc, task_run
from api.services import file_events as file_service
from api.services.keyset import InvalidCursor
from store.models import FileEventPublic, Role, TaskStatus
from store.models.common import ApiTime

router = APIRouter(
    prefix="/file-events",
    tags=["files"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.operator, Role.viewer))],
)


@router.get("", response_model=FileEventPage)
def list_file_events(
    session: SessionDep,
    agent_id: str | None = None,
    path: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=1000,
            description="Case-insensitive substring of the path under the root. A page "
            "examines a bounded number of files, so it may hold fewer than `limit` items "
            "(even none) and still have a `next_cursor`.",
        ),
    ] = None,
    detected_from: Annotated[
        ApiTime | None, Query(description="Detected at or after (ISO 8601; naive is UTC).")
    ] = None,
    detected_to: Annotated[
        ApiTime | None, Query(description="Detected before (ISO 8601; naive is UTC).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> FileEventPage:
    """List detected files newest first, each with its run count and newest run's status."""
    try:
        page = file_service.list_file_events(
            session,
            agent_id=agent_id,
            path=path,
            detected_from=as_utc(detected_from),
            detected_to=as_utc(detected_to),
            limit=limit,
            cursor=cursor,
        )
    except InvalidCursor as exc:
        raise ApiError(422, "invalid_cursor", str(exc)) from exc
    runs = file_service.runs_by_file(session, file_event_ids=[event.id for event in page.items])
    items = []
    for event in page.items:
        latest = runs[event.id][-1] if runs.get(event.id) else None
        items.append(
            FileEventSummary(
                **FileEventPublic.model_validate(event).model_dump(),
                runs=len(runs.get(event.id, [])),
                latest_task_id=latest.id if latest else None,
                latest_status=TaskStatus(latest.status) if latest else None,
            )
        )
    return FileEventPage(items=items, next_cursor=page.next_cursor)


@router.get("/{file_event_id}", response_model=FileEventDetail)
def get_file_event(
    file_event_id: str, session: SessionDep, settings: SettingsDep
) -> FileEventDetail:
    """Show a file's life: detected, each run (retries linked), every step attempt, the end."""
    event = file_service.get_file_event(session, file_event_id=file_event_id)
    if event is None:
        raise not_found("file event", file_event_id)
    runs = file_service.tasks_of_file(session, file_event_id=file_event_id)
    return FileEventDetail(
        **FileEventPublic.model_validate(event).model_dump(),
        runs=[task_run(task, settings.temporal) for task in runs],
        timeline=file_service.timeline(event, runs),
    )
