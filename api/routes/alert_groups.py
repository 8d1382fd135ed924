"""Alert groups: list and read them; ack, unack, assign and resolve through the group's
workflow (its validators may refuse: 409). Who decided is always the signed-in token's name;
the body may add `on_behalf_of`, recorded beside it (a body `by` is refused: 422)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import PrincipalDep, read_write
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.routes.task_actions import temporal_reachable
from api.services import alert_groups as service
from api.services.keyset import InvalidCursor
from sluice.contracts.alert_groups import AckRequest, AssignRequest, ByRequest
from store.models import (
    AlertAnalysisPublic,
    AlertAnalysisStarted,
    AlertGroup,
    AlertGroupAck,
    AlertGroupAssign,
    AlertGroupBy,
    AlertGroupDetail,
    AlertGroupPage,
    AlertGroupPublic,
    AlertGroupState,
    Role,
)
from store.models.common import check_time

router = APIRouter(
    prefix="/alert-groups",
    tags=["alerts"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)
DECISION_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorBody, "description": "the group's workflow refused the decision"},
    503: {"model": ErrorBody, "description": "Temporal is unreachable"},
}


@router.get("", response_model=AlertGroupPage)
def list_alert_groups(
    session: SessionDep,
    status: Annotated[Literal["firing", "resolved"] | None, Query()] = None,
    route: Annotated[str | None, Query(max_length=100)] = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    acked: Annotated[bool | None, Query(description="true: acknowledged; false: not")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None,
        Query(
            description="The `next_cursor` of the previous page. One pass never shows a group "
            "twice; a group that changes during the pass moves ahead of it (first page)."
        ),
    ] = None,
) -> AlertGroupPage:
    """List alert groups, the most recently changed first; follow `next_cursor` for more."""
    try:
        page = service.list_groups(
            session, status=status, route=route, assignee=assignee, acked=acked, limit=limit,
            cursor=cursor,
        )  # fmt: skip
    except InvalidCursor as exc:
        raise ApiError(422, "invalid_cursor", str(exc)) from exc
    items = [AlertGroupPublic.model_validate(group) for group in page.items]
    return AlertGroupPage(items=items, next_cursor=page.next_cursor)


@router.get("/{group_id}", response_model=AlertGroupDetail)
def get_alert_group(group_id: str, session: SessionDep) -> AlertGroupDetail:
    """Show an alert group: its alerts, its state and their timeline."""
    detail = service.get_group(session, group_id)
    if detail is None:
        raise not_found("alert group", group_id)
    return detail


@router.post("/{group_id}:ack", response_model=AlertGroupState, responses=DECISION_RESPONSES)
async def ack_alert_group(
    group_id: str, body: AlertGroupAck, session: SessionDep, temporal: TemporalDep,
    principal: PrincipalDep,
) -> AlertGroupState:  # fmt: skip
    """Acknowledge: the escalation stops (until `until`, if given)."""
    if body.until is not None:
        try:
            check_time(body.until)
        except ValueError as exc:
            raise ApiError(422, "invalid_time", f"until: {exc}") from None
    arg = AckRequest(principal.name, body.until, body.on_behalf_of)
    return await _decide(session, temporal, group_id, "ack", arg)


@router.post("/{group_id}:unack", response_model=AlertGroupState, responses=DECISION_RESPONSES)
async def unack_alert_group(
    group_id: str, body: AlertGroupBy, session: SessionDep, temporal: TemporalDep,
    principal: PrincipalDep,
) -> AlertGroupState:  # fmt: skip
    """Withdraw an acknowledgement: the escalation resumes."""
    arg = ByRequest(principal.name, body.on_behalf_of)
    return await _decide(session, temporal, group_id, "unack", arg)


@router.post("/{group_id}:assign", response_model=AlertGroupState, responses=DECISION_RESPONSES)
async def assign_alert_group(
    group_id: str, body: AlertGroupAssign, session: SessionDep, temporal: TemporalDep,
    principal: PrincipalDep,
) -> AlertGroupState:  # fmt: skip
    """Assign the group to someone."""
    arg = AssignRequest(principal.name, body.to, body.on_behalf_of)
    return await _decide(session, temporal, group_id, "assign", arg)


@router.post("/{group_id}:resolve", response_model=AlertGroupState, responses=DECISION_RESPONSES)
async def resolve_alert_group(
    group_id: str, body: AlertGroupBy, session: SessionDep, temporal: TemporalDep,
    principal: PrincipalDep,
) -> AlertGroupState:  # fmt: skip
    """Resolve every alert of the group by hand (the resolution is notified)."""
    arg = ByRequest(principal.name, body.on_behalf_of)
    return await _decide(session, temporal, group_id, "resolve", arg)


@router.post(
    "/{group_id}:analyze", response_model=AlertAnalysisStarted, status_code=202,
    responses={503: DECISION_RESPONSES[503]},
)  # fmt: skip
async def analyze_alert_group(
    group_id: str, session: SessionDep, temporal: TemporalDep, settings: SettingsDep,
    principal: PrincipalDep,
) -> AlertAnalysisStarted:  # fmt: skip
    """Analyse the group now (the LLM, or the built-in analysis when it cannot answer); the
    result appears as the group's `analysis`. A second request while one runs joins it."""
    if session.get(AlertGroup, group_id) is None:
        raise not_found("alert group", group_id)
    session.close()
    with temporal_reachable():
        workflow_id = await service.start_analysis(
            temporal, group_id, principal.name, settings.temporal.task_queue
        )
    return AlertAnalysisStarted(workflow_id=workflow_id)


@router.get("/{group_id}/analyses", response_model=list[AlertAnalysisPublic])
def list_alert_group_analyses(group_id: str, session: SessionDep) -> list[AlertAnalysisPublic]:
    """The group's analyses, the newest first (at most 20)."""
    if session.get(AlertGroup, group_id) is None:
        raise not_found("alert group", group_id)
    return service.analyses(session, group_id)


async def _decide(
    session: SessionDep, temporal: TemporalDep, group_id: str, update: str, arg: object
) -> AlertGroupState:
    if session.get(AlertGroup, group_id) is None:
        raise not_found("alert group", group_id)
    session.close()  # no connection held while the workflow decides
    try:
        with temporal_reachable():
            return await service.decide(temporal, group_id, update, arg)
    except service.DecisionRefused as exc:
        raise ApiError(409, "refused", str(exc)) from None
