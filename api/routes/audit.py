"""The audit log: every API mutation and token change, newest first."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlmodel import col, select

from api.auth import require
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError
from api.services.keyset import InvalidCursor, decode_id_cursor, encode_id_cursor
from store.models import AuditLog, Role
from store.models.common import ApiTime, RowId

router = APIRouter(
    prefix="/audit-logs",
    tags=["audit"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.operator))],
)


class AuditLogPublic(BaseModel):
    id: int
    actor: str
    actor_token_id: int | None  # None for the token CLI (actor `cli:<user>`)
    actor_role: str
    action: str
    resource_type: str
    resource_id: str
    diff: dict[str, Any]
    request_id: str
    at: datetime


class AuditLogPage(BaseModel):
    items: list[AuditLogPublic]
    next_cursor: str | None


@router.get("", response_model=AuditLogPage)
def list_audit_logs(
    session: SessionDep,
    actor: str | None = None,
    token_id: RowId | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    since: ApiTime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> AuditLogPage:
    """List audit rows newest first (admin, operator); follow `next_cursor` for older ones."""
    query = select(AuditLog).order_by(col(AuditLog.id).desc()).limit(limit + 1)
    if cursor is not None:
        try:
            query = query.where(col(AuditLog.id) < decode_id_cursor(cursor))
        except InvalidCursor as exc:
            raise ApiError(422, "invalid_cursor", str(exc)) from exc
    if actor is not None:
        query = query.where(AuditLog.actor == actor)
    if token_id is not None:
        query = query.where(AuditLog.actor_token_id == token_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    if resource_type is not None:
        query = query.where(AuditLog.resource_type == resource_type)
    if since is not None:
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        query = query.where(col(AuditLog.at) >= since)
    rows = list(session.exec(query))
    more = len(rows) > limit
    items = [AuditLogPublic.model_validate(row, from_attributes=True) for row in rows[:limit]]
    return AuditLogPage(items=items, next_cursor=encode_id_cursor(items[-1].id) if more else None)
