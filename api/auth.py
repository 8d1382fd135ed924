"""Bearer API tokens (stored as sha256 hashes) and the role checks every /api/v1 route declares.

Roles: `admin` may do everything; `operator` reads everything and writes tasks, rules and
channels; `viewer` only reads; `agent` may register, heartbeat and read its own config, where
"own" means the agent id equals the token's name; `alert-source` may only post alerts
(api.alert_auth: its token as a bearer or as basic auth's password).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine, Table, bindparam, update
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from api import sessions
from api.deps import EngineDep
from api.errors import ApiError
from api.services import tokens
from api.services.tokens import TokenConflict as TokenConflict  # for the CLI
from api.services.tokens import hash_token as hash_token
from store.models import ApiToken, AuditLog, Role, utcnow

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READERS = (Role.operator, Role.viewer)  # admin is always allowed
# Refresh `last_used_at` at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_TOKENS: Table = ApiToken.__table__  # type: ignore[attr-defined]
_LIVE_TOKEN = sa.select(
    _TOKENS.c.id, _TOKENS.c.name, _TOKENS.c.role, _TOKENS.c.token_hash, _TOKENS.c.last_used_at
).where(_TOKENS.c.token_hash == bindparam("digest"), _TOKENS.c.revoked_at.is_(None))
_TOKEN_USED = (
    update(_TOKENS)
    .where(_TOKENS.c.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
)

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token from `sluice token create`: `Authorization: Bearer sluice_…`.",
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name (an agent token is named after its agent), role and id."""

    name: str
    role: Role
    token_id: int


def create_token(
    session: Session, *, name: str, role: Role, actor: str, replace: bool = False
) -> tuple[ApiToken, str]:
    """Store a new token's hash (audited as `token.create`); the clear token is returned once.

    TokenConflict if a live token has the name, unless `replace` revokes it (`sluice dev`
    does, when it has lost the token it kept).
    """
    row, token = tokens.add_token(session, name=name, role=role, replace=replace)
    session.add(
        AuditLog(
            actor=actor,
            action="token.create",
            resource_type="token",
            resource_id=str(row.id),
            diff={"after": {"name": name, "role": str(role)}},
        )
    )
    session.commit()
    session.refresh(row)
    return row, token


def list_tokens(session: Session) -> list[ApiToken]:
    return tokens.list_tokens(session)


def revoke_token(session: Session, *, token_id: int, actor: str) -> ApiToken | None:
    """Revoke a token (audited as `token.revoke`); None if there is no such token,
    TokenConflict if it is revoked already."""
    row = tokens.mark_revoked(session, token_id=token_id)
    if row is None:
        return None
    session.add(
        AuditLog(
            actor=actor,
            action="token.revoke",
            resource_type="token",
            resource_id=str(token_id),
            diff={"before": {"name": row.name, "role": str(row.role)}},
        )
    )
    session.commit()
    session.refresh(row)
    return row


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live (unrevoked) token row for a clear token, or None."""
    return _live_token(session, hash_token(token))


def _live_token(session: Session, digest: str) -> ApiToken | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at:
        return None
    return row


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


async def authenticate(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller's principal from `Authorization: Bearer`, else from the console's session
    cookie; 401 if missing, unknown or revoked, 403 for a session's mutation without its
    CSRF header (see api.sessions).

    Every request asks the DB, so a revoke (through any replica or the CLI) holds from the
    next request on. No cache: checking a revocation counter per request would cost the same
    thread hop and indexed read as the token lookup itself.
    """
    if credentials is not None and credentials.scheme.lower() == "bearer":
        token, by_session = credentials.credentials, False
    elif (cookie := sessions.session_token(request)) is not None:
        token, by_session = cookie, True
    else:
        raise unauthorized("missing bearer token or session cookie")
    principal = await principal_for(engine, token)
    if principal is None:
        raise unauthorized("invalid or revoked token")
    if by_session and request.method not in READ_METHODS:
        problem = sessions.csrf_problem(request)
        if problem is not None:
            raise ApiError(403, "csrf_failed", problem)
    request.state.principal = principal
    return principal


async def principal_for(engine: Engine, token: str) -> Principal | None:
    """`verify` of the token's hash, in a worker thread."""
    return await run_in_threadpool(verify, engine, hash_token(token))


def verify(engine: Engine, digest: str) -> Principal | None:
    """The live token's principal, recording its use; None if unknown or revoked."""
    # Autocommit spares PostgreSQL's BEGIN and ROLLBACK on the usual, read-only, path.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return principal_on(conn, digest)


def principal_on(conn: Connection, digest: str) -> Principal | None:
    """`verify` on the caller's connection; its use is recorded when the caller commits.
    (Core, not the ORM: every request pays for this lookup.)"""
    row = conn.execute(_LIVE_TOKEN, {"digest": digest}).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        conn.execute(_TOKEN_USED, {"token_id": row.id, "now": now})
    return Principal(name=row.name, role=Role(row.role), token_id=row.id)


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def check_role(principal: Principal, roles: Iterable[Role], what: str) -> None:
    if principal.role != Role.admin and principal.role not in roles:
        raise forbidden(f"role {principal.role} may not {what}")


RoleCheck = Callable[[Request, Principal], Awaitable[Principal]]


def require(*roles: Role) -> RoleCheck:
    """A dependency allowing admin plus `roles`."""

    async def check(request: Request, principal: PrincipalDep) -> Principal:
        check_role(principal, roles, f"{request.method} {request.url.path}")
        return principal

    return check


def read_write(*writers: Role) -> RoleCheck:
    """A router dependency: reads for admin, operator and viewer; writes for admin + `writers`."""

    async def check(request: Request, principal: PrincipalDep) -> Principal:
        roles = READERS if request.method in READ_METHODS else writers
        check_role(principal, roles, f"{request.method} {request.url.path}")
        return principal

    return check


def require_own_agent(principal: Principal, agent_id: str) -> None:
    """An agent token may only act as the agent it is named after."""
    if principal.role == Role.agent and principal.name != agent_id:
        raise forbidden(f"agent token {principal.name!r} may not act for agent {agent_id!r}")
