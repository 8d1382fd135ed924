"""API tokens (admin only): issue one with a role, list them, revoke one."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.auth import require
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.services import tokens as token_service
from store.models import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic
from store.models.common import RowId

router = APIRouter(
    prefix="/tokens",
    tags=["tokens"],
    responses={**ERROR_RESPONSES, 409: {"model": ErrorBody}},
    dependencies=[Depends(require())],
)

TokenBody = Annotated[
    ApiTokenCreate,
    Body(
        openapi_examples={
            "operator": {
                "summary": "a person or CI job that drives tasks and rules",
                "value": {"name": "ci-deploy", "role": "operator"},
            },
            "agent": {
                "summary": "an agent: the token is named after the agent id",
                "value": {"name": "web-01", "role": "agent"},
            },
        }
    ),
]


@router.post("", response_model=ApiTokenCreated, status_code=201)
def create_token(body: TokenBody, session: SessionDep) -> ApiTokenCreated:
    """Issue a token with a role; the secret is in this response only (stored hashed).

    409 if a live token has the name: names tell tokens apart in the audit log.
    """
    try:
        row, token = token_service.issue_token(session, name=body.name, role=body.role)
    except token_service.TokenConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    return ApiTokenCreated.model_validate(row, update={"token": token})


@router.get("", response_model=list[ApiTokenPublic])
def list_tokens(session: SessionDep) -> list[ApiTokenPublic]:
    """List tokens: name, role, created, last used, revoked (never the secret)."""
    return [ApiTokenPublic.model_validate(row) for row in token_service.list_tokens(session)]


@router.post("/{token_id}:revoke", response_model=ApiTokenPublic)
def revoke_token(token_id: RowId, session: SessionDep) -> ApiTokenPublic:
    """Revoke a token: it answers 401 from the next request on, on every replica; 409 twice."""
    try:
        row = token_service.revoke_token(session, token_id=token_id)
    except token_service.TokenConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if row is None:
        raise not_found("token", str(token_id))
    return ApiTokenPublic.model_validate(row)
