"""Task actions: manual trigger, cancel, retry as a linked run, approve or reject, progress."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from temporalio.service import RPCError, RPCStatusCode

from api.auth import PrincipalDep, read_write
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.models import ManualTrigger, TriggerPublic
from api.services import manual_trigger, task_control
from sluice.contracts import ApprovalDecision
from sluice.manual import EXISTING, STARTED, PathRejected, manual_target
from store.models import Agent, FileEvent, Role, Task

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


ManualTriggerBody = Annotated[
    ManualTrigger,
    Body(
        openapi_examples={
            "path": {
                "summary": "a file on an agent, by absolute path",
                "value": {"agent_id": "web-01", "path": "/data/dumps/heap-0412.hprof"},
            },
            "relative": {
                "summary": "a file relative to the agent's (first) root",
                "value": {"agent_id": "web-01", "path": "dumps/heap-0412.hprof"},
            },
            "again": {
                "summary": "a known file again, linked to its last run",
                "value": {"file_event_id": "3f2a9c0d41b7e85f6a1c2d3e4f5a6b7c"},
            },
        }
    ),
]


MANUAL_WAIT_S = 5.0
TRIGGER_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"model": TriggerPublic, "description": "the file ran before: its existing task"},
    202: {"model": TriggerPublic, "description": "the agent has not answered yet"},
    409: {"model": ErrorBody, "description": "the file event's last run is still going"},
    502: {"model": ErrorBody, "description": "the agent could not stat the file"},
    503: {"model": ErrorBody, "description": "Temporal is unreachable"},
}


@contextmanager
def temporal_reachable() -> Iterator[None]:
    """Temporal down (or never reached) is a 503 the caller can retry, not a 500."""
    try:
        yield
    except RPCError as exc:
        raise ApiError(503, "temporal_unavailable", f"Temporal: {exc.message}") from None
    except RuntimeError as exc:
        if not str(exc).startswith("Failed client connect"):
            raise
        raise ApiError(503, "temporal_unavailable", f"Temporal is unreachable: {exc}") from None


@router.post("", response_model=TriggerPublic, status_code=201, responses=TRIGGER_RESPONSES)
async def trigger_task(
    body: ManualTriggerBody,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    wait: Annotated[
        float, Query(ge=0, le=30, description="Seconds to wait for the agent before a 202.")
    ] = MANUAL_WAIT_S,
) -> TriggerPublic:
    """Run a file now: a path on an agent, or a known file event again."""
    if body.file_event_id is not None:
        return await _rerun(body.file_event_id, session, settings, temporal)
    assert body.agent_id is not None and body.path is not None
    agent = session.get(Agent, body.agent_id)
    if agent is None:
        raise not_found("agent", body.agent_id)
    try:
        target = manual_target(agent.roots, body.path)
    except PathRejected as exc:
        raise ApiError(422, "invalid_path", str(exc)) from None
    with temporal_reachable():
        state = await manual_trigger.trigger_file(
            temporal, agent=agent, target=target, task_queue=settings.temporal.task_queue, wait=wait
        )
    public = trigger_public(state)
    if public.status == "refused":
        raise _refusal(state)
    response.status_code = {STARTED: 201, EXISTING: 200}.get(public.status, 202)
    if public.status == "pending":
        location = request.url_for("get_trigger", trigger_id=state.trigger_id)
        response.headers["Location"] = location.path
    return public


@router.get("/triggers/{trigger_id}", response_model=TriggerPublic)
async def get_trigger(trigger_id: str, temporal: TemporalDep) -> TriggerPublic:
    """Show a manual trigger: pending until the agent answers, then its task or refusal."""
    with temporal_reachable():
        state = await manual_trigger.trigger_state(temporal, trigger_id)
    if state is None:
        raise not_found("trigger", trigger_id)
    return trigger_public(state)


async def _rerun(
    file_event_id: str, session: SessionDep, settings: SettingsDep, temporal: TemporalDep
) -> TriggerPublic:
    event = session.get(FileEvent, file_event_id)
    if event is None:
        raise not_found("file event", file_event_id)
    try:
        with temporal_reachable():
            rerun = await task_control.rerun_file_event(session, temporal, settings, event)
    except task_control.TaskConflict as exc:
        raise _conflict(exc) from None
    task_id, retry_of = rerun
    return TriggerPublic(
        id=task_id,
        status="started",
        trigger_id=None,
        agent_id=event.agent_id,
        root=event.root,
        rel_path=event.rel_path,
        file_event_id=event.id,
        retry_of=retry_of or None,
        detail=f"run again after {retry_of}" if retry_of else "run again",
    )


def trigger_public(state: manual_trigger.TriggerState) -> TriggerPublic:
    result = state.result
    public = TriggerPublic(
        id=None,
        status="pending",
        trigger_id=state.trigger_id,
        agent_id=state.agent_id,
        root=state.root,
        rel_path=state.rel_path,
        detail=f"waiting for agent {state.agent_id} to stat the file",
    )
    if result is None:
        return public
    if result.status not in (STARTED, EXISTING):
        return public.model_copy(
            update={"status": "refused", "detail": f"{result.error_class}: {result.error}"}
        )
    detail = "started" if result.status == STARTED else "this file ran before; not run again"
    return public.model_copy(
        update={
            "id": result.workflow_id,
            "status": result.status,
            "root": result.root,
            "rel_path": result.rel_path,
            "file_event_id": result.file_event_id,
            "detail": detail,
        }
    )


def _refusal(state: manual_trigger.TriggerState) -> ApiError:
    """The host's refusal as HTTP: a bad path is 422, a missing file 404, the rest 502."""
    assert state.result is not None
    error_class, message = state.result.error_class, state.result.error
    where = f"agent {state.agent_id}: {message}"
    if error_class == "invalid_input":
        return ApiError(422, "invalid_path", where)
    if error_class == "not_found":
        return ApiError(404, "not_found", where)
    return ApiError(502, "agent_error", f"{where} ({error_class})")


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
    with temporal_reachable():
        try:
            live = await task_control.task_progress(temporal, task)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            raise not_found("workflow of task", task_id) from None
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
