"""Bearer API tokens (stored as sha256 hashes) and the role checks every /api/v1 route declares.

Roles: `admin` may do everything; `operator` reads everything and writes tasks, rules and
channels; `viewer` only reads; `agent` may register, heartbeat and read its own config, where
"own" means the agent id equals the token's name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep
from api.errors import ApiError
from api.models import ApiToken, AuditLog, Role, utcnow

TOKEN_PREFIX = "sluice_"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READERS = (Role.operator, Role.viewer)  # admin is always allowed
# Refresh `last_used_at` at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# How long a verified token is trusted without asking the DB again (see TokenCache).
TOKEN_CACHE_SECONDS = 10.0

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token from `sluice token create`: `Authorization: Bearer sluice_…`.",
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name (an agent token is named after its agent) and role."""

    name: str
    role: Role
    token_id: int


class TokenCache:
    """Principals of recently verified tokens, per engine, so most requests skip the token query.

    A token is trusted for `ttl` seconds after the DB said it is live. Revoking a token in this
    process (the API's revoke route, or `revoke_token`) forgets every entry at once. A revoke
    made elsewhere (another API replica, or `sluice token revoke` in its own process) is seen
    here when the entry expires: a revoked token may keep working on this replica for up to
    `ttl` seconds. Unknown and revoked tokens are never kept, so each costs a query as before;
    `last_used_at` is refreshed when the DB is asked, so it may lag by up to `ttl` more.
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self.revocations = 0  # forget() calls so far
        self._entries: WeakKeyDictionary[Engine, dict[str, tuple[Principal, float]]] = (
            WeakKeyDictionary()
        )

    def get(self, engine: Engine, digest: str) -> Principal | None:
        principal, expires = self._entries.get(engine, {}).get(digest, (None, 0.0))
        return principal if self.clock() < expires else None

    def put(self, engine: Engine, digest: str, principal: Principal, *, revocations: int) -> None:
        """Remember a lookup made when `revocations` was current, unless a revoke came since."""
        if revocations == self.revocations:
            entry = (principal, self.clock() + self.ttl)
            self._entries.setdefault(engine, {})[digest] = entry

    def forget(self) -> None:
        """Drop every entry (revokes are rare), and any lookup still in flight."""
        self.revocations += 1
        self._entries.clear()


TOKENS = TokenCache(TOKEN_CACHE_SECONDS)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: Role, actor: str) -> tuple[ApiToken, str]:
    """Store a new token's hash (audited as `token.create`); the clear token is returned once."""
    token = new_token()
    row = ApiToken(name=name, role=role, token_hash=hash_token(token))
    session.add(row)
    session.flush()
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
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))))


def revoke_token(session: Session, *, token_id: int, actor: str) -> ApiToken | None:
    """Revoke a token (idempotent); None if there is no such token."""
    row = session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
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
        TOKENS.forget()
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
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller's principal from `Authorization: Bearer`; 401 if missing, unknown or revoked.

    A token verified in the last `TOKEN_CACHE_SECONDS` is not looked up again (TokenCache).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("missing bearer token")
    digest = hash_token(credentials.credentials)
    principal = TOKENS.get(engine, digest)
    if principal is None:
        revocations = TOKENS.revocations
        principal = await run_in_threadpool(_verify, engine, digest)
        if principal is None:
            raise unauthorized("invalid or revoked token")
        TOKENS.put(engine, digest, principal, revocations=revocations)
    request.state.principal = principal
    return principal


def _verify(engine: Engine, digest: str) -> Principal | None:
    """The live token's principal, recording its use; None if unknown or revoked."""
    with Session(engine) as session:
        row = _live_token(session, digest)
        if row is None or row.id is None:
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            row.last_used_at = now
            session.add(row)
            session.commit()
        return Principal(name=row.name, role=Role(row.role), token_id=row.id)


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def _check(principal: Principal, roles: Iterable[Role], what: str) -> None:
    if principal.role != Role.admin and principal.role not in roles:
        raise forbidden(f"role {principal.role} may not {what}")


RoleCheck = Callable[[Request, Principal], Awaitable[Principal]]


def require(*roles: Role) -> RoleCheck:
    """A dependency allowing admin plus `roles`."""

    async def check(request: Request, principal: PrincipalDep) -> Principal:
        _check(principal, roles, f"{request.method} {request.url.path}")
        return principal

    return check


def read_write(*writers: Role) -> RoleCheck:
    """A router dependency: reads for admin, operator and viewer; writes for admin + `writers`."""

    async def check(request: Request, principal: PrincipalDep) -> Principal:
        roles = READERS if request.method in READ_METHODS else writers
        _check(principal, roles, f"{request.method} {request.url.path}")
        return principal

    return check


def require_own_agent(principal: Principal, agent_id: str) -> None:
    """An agent token may only act as the agent it is named after."""
    if principal.role == Role.agent and principal.name != agent_id:
        raise forbidden(f"agent token {principal.name!r} may not act for agent {agent_id!r}")
