"""Tickets: create (alone or from an alert group), list, read with a merged timeline, move
through their states, assign, comment. Acking or resolving a ticket acks or resolves its
group after the ticket's change commits; the answer says whether the group followed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.auth import PrincipalDep, read_write
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.services import ticket_timers
from api.services import tickets as service
from api.services.keyset import InvalidCursor
from api.services.ticket_groups import update_group
from api.services.ticket_knowledge import draft_from_ticket
from api.services.ticket_timeline import ticket_detail
from sluice.settings import Settings
from sluice.tickets import Action, Priority, StatusName, TransitionRefused, parse_display_id
from store.models import (
    Role,
    Ticket,
    TicketAssign,
    TicketChange,
    TicketCommentCreate,
    TicketCommentPublic,
    TicketCreate,
    TicketDetail,
    TicketFromGroup,
    TicketPage,
    TicketPublic,
)

router = APIRouter(
    prefix="/tickets",
    tags=["tickets"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)
group_router = APIRouter(
    prefix="/alert-groups",
    tags=["tickets"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)
Responses = dict[int | str, dict[str, object]]  # a route's extra OpenAPI responses
CONFLICT: Responses = {
    409: {"model": ErrorBody, "description": "the state machine forbids it, or the group "
          "has an active ticket already"},
}  # fmt: skip


@router.post("", response_model=TicketPublic, status_code=201, responses=CONFLICT)
async def create_ticket(
    body: TicketCreate, session: SessionDep, settings: SettingsDep, principal: PrincipalDep,
    temporal: TemporalDep,
) -> TicketPublic:  # fmt: skip
    """Open a ticket, on its own or for an alert group (which must have no active ticket)."""
    try:
        row = service.create_ticket(
            session, title=body.title, description=body.description, priority=body.priority,
            assignee=body.assignee, group_id=body.group_id, actor=principal.name,
            policy=settings.tickets,
        )  # fmt: skip
    except service.GroupNotFound:
        raise not_found("alert group", body.group_id or "") from None
    except service.TicketConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    await _tell_timers(temporal, session, settings, row)
    return TicketPublic.of(row)


@group_router.post(
    "/{group_id}:ticket",
    response_model=TicketPublic,
    status_code=201,
    responses={200: {"model": TicketPublic, "description": "the group's active ticket"}},
)
async def ticket_for_group(
    group_id: str, body: TicketFromGroup, response: Response, session: SessionDep,
    settings: SettingsDep, principal: PrincipalDep, temporal: TemporalDep,
) -> TicketPublic:  # fmt: skip
    """Open the group's ticket (201), or answer the active one it has (200)."""
    try:
        row, created = service.ticket_for_group(
            session, group_id=group_id, title=body.title, description=body.description,
            priority=body.priority, assignee=body.assignee, actor=principal.name,
            policy=settings.tickets,
        )  # fmt: skip
    except service.GroupNotFound:
        raise not_found("alert group", group_id) from None
    except service.TicketConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    response.status_code = 201 if created else 200
    if created:
        await _tell_timers(temporal, session, settings, row)
    return TicketPublic.of(row)


@router.get("", response_model=TicketPage)
def list_tickets(
    session: SessionDep,
    status: Annotated[StatusName | None, Query()] = None,
    priority: Annotated[Priority | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=200, description='"" : unassigned')] = None,
    group_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query()] = None,
) -> TicketPage:
    """List tickets, the newest first, a page at a time."""
    try:
        page = service.list_tickets(
            session, status=status, priority=priority, assignee=assignee, group_id=group_id,
            limit=limit, cursor=cursor,
        )  # fmt: skip
    except InvalidCursor as exc:
        raise ApiError(422, "invalid_cursor", str(exc)) from None
    return TicketPage(items=[TicketPublic.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/{ticket_id}", response_model=TicketDetail)
def get_ticket(ticket_id: str, session: SessionDep) -> TicketDetail:
    """Show a ticket (`T-12` or `12`): its comments and its timeline with its group's alerts."""
    return ticket_detail(session, _ticket(session, ticket_id))


async def _tell_timers(temporal: Client, session: Session, settings: Settings, row: Ticket) -> None:
    """Tell the ticket's timer workflow of its committed change (the outbox drain retries);
    the session is closed first: no connection is held while Temporal answers."""
    assert row.id is not None
    change = [(row.id, row.updated_at)]
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    session.close()
    await ticket_timers.tell(temporal, engine, change, task_queue=settings.temporal.task_queue)


async def _transition(
    ticket_id: str, action: Action, session: Session, temporal: TemporalDep, actor: str,
    settings: Settings,
) -> TicketChange:  # fmt: skip
    ticket = _ticket(session, ticket_id)
    try:
        ticket = service.change_status(
            session, ticket=ticket, action=action, actor=actor, policy=settings.tickets
        )
    except TransitionRefused as exc:
        raise ApiError(409, "refused", str(exc)) from None
    except service.TicketConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    if action == "resolve":  # a draft for a person to review and publish
        await draft_from_ticket(session, ticket=ticket, ai=settings.ai)
    change = TicketChange(**TicketPublic.of(ticket).model_dump(exclude={"id"}))
    number, group_id = ticket.id, ticket.group_id
    assert number is not None
    await _tell_timers(temporal, session, settings, ticket)  # closes the session
    if group_id is None:
        return change
    change.group_update = await update_group(temporal, group_id, action, actor)
    if change.group_update is not None:
        detail = change.group_update.model_dump(exclude_none=True) | {"group_id": group_id}
        service.record_group_update(session, number=number, actor=actor, detail=detail)
    return change


TRANSITION_RESPONSES: Responses = {
    409: {"model": ErrorBody, "description": "the state machine forbids it from this status"}
}


# The state machine's moves, one POST /{ticket_id}:<action> each: (action, docstring, 409s).
TRANSITIONS: list[tuple[Action, str, Responses]] = [
    ("ack", "Acknowledge an open ticket; its alert group is acked too.", TRANSITION_RESPONSES),
    ("start", "Start work on a ticket (in progress).", TRANSITION_RESPONSES),
    ("resolve", "Resolve a ticket; its alert group is resolved too.", TRANSITION_RESPONSES),
    ("close", "Close a ticket for good (resolved, or not worth working).", TRANSITION_RESPONSES),
    ("reopen", "Reopen a resolved or closed ticket (refused if its group has another active "
     "one).", CONFLICT),
]  # fmt: skip


def _add_transition(action: Action, doc: str, responses: Responses) -> None:
    async def move_ticket(
        ticket_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep,
        settings: SettingsDep,
    ) -> TicketChange:  # fmt: skip
        return await _transition(ticket_id, action, session, temporal, principal.name, settings)

    router.add_api_route(
        f"/{{ticket_id}}:{action}", move_ticket, methods=["POST"], name=f"{action}_ticket",
        description=doc, response_model=TicketChange, responses=responses,
    )  # fmt: skip


for _action, _doc, _responses in TRANSITIONS:
    _add_transition(_action, _doc, _responses)


@router.post("/{ticket_id}:assign", response_model=TicketPublic)
def assign_ticket(
    ticket_id: str, body: TicketAssign, session: SessionDep, principal: PrincipalDep
) -> TicketPublic:
    """Assign the ticket to someone ("" unassigns)."""
    ticket = _ticket(session, ticket_id)
    return TicketPublic.of(service.assign(session, ticket=ticket, to=body.to, actor=principal.name))


@router.post("/{ticket_id}/comments", response_model=TicketCommentPublic, status_code=201)
def comment_ticket(
    ticket_id: str, body: TicketCommentCreate, session: SessionDep, principal: PrincipalDep
) -> TicketCommentPublic:
    """Comment on a ticket (Markdown), as the signed-in token's name."""
    ticket = _ticket(session, ticket_id)
    comment = service.add_comment(session, ticket=ticket, body=body.body, actor=principal.name)
    return TicketCommentPublic.model_validate(comment, from_attributes=True)


def _ticket(session: Session, ticket_id: str) -> Ticket:
    number = parse_display_id(ticket_id)
    row = service.get_ticket(session, number) if number is not None else None
    if row is None:
        raise not_found("ticket", ticket_id)
    return row
