"""The console's session: sign in with an API token, who is signed in, sign out."""

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, Field

from api.auth import PrincipalDep, authenticate, forbidden, principal_for, unauthorized
from api.deps import EngineDep
from api.errors import ERROR_RESPONSES, ApiError
from api.sessions import end_session, start_session
from store.models import Role

router = APIRouter(prefix="/session", tags=["session"], responses=ERROR_RESPONSES)


class SignIn(BaseModel):
    token: str = Field(
        min_length=1,
        max_length=500,
        description="An API token, as `sluice token create` prints it.",
        examples=["sluice_…"],
    )


class SessionPublic(BaseModel):
    """Who is signed in: the token's name and role."""

    name: str
    role: Role


@router.post("", response_model=SessionPublic)
async def sign_in(
    body: Annotated[SignIn, Body()], request: Request, response: Response, engine: EngineDep
) -> SessionPublic:
    """Sign in: exchange an API token for an HttpOnly session cookie and a CSRF cookie."""
    principal = await principal_for(engine, body.token.strip())
    if principal is None:
        raise unauthorized("invalid or revoked token")
    if principal.role == Role.agent:
        raise forbidden("an agent token cannot sign in to the console")
    request.state.principal = principal  # audited as session.create
    start_session(request, response, body.token.strip())
    return SessionPublic(name=principal.name, role=principal.role)


@router.get("", response_model=SessionPublic)
async def current_session(principal: PrincipalDep) -> SessionPublic:
    """Who the session cookie (or bearer token) belongs to: name and role."""
    return SessionPublic(name=principal.name, role=principal.role)


@router.delete("", status_code=204, response_class=Response)
async def sign_out(request: Request, engine: EngineDep) -> Response:
    """Sign out: the session and CSRF cookies are cleared."""
    try:  # a live session's sign-out needs its CSRF header, and is audited
        await authenticate(request, engine, None)
    except ApiError as exc:
        if exc.status_code != 401:
            raise
    response = Response(status_code=204)
    end_session(request, response)
    return response
