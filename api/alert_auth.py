"""How alert senders authenticate: an `alert-source` (or admin) token as a bearer, or as the
password of HTTP basic auth with any user name, which is what Alertmanager's `http_config`
and Prometheus's `alertmanagers` can send. The hot receivers only read the token here; the
alert writer looks it up in the transaction that writes the delivery."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, bearer, check_role, principal_on, unauthorized, verify
from api.deps import EngineDep
from api.errors import ApiError
from api.services.tokens import hash_token
from store.models import Role


async def authenticate_alert_source(
    request: Request,
    engine: EngineDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """An admin or `alert-source` token as a bearer, or as basic auth's password (any user);
    401 if missing, unknown or revoked, 403 for other roles. (`_declared` only puts the bearer
    scheme in the OpenAPI document; the header is read here, as it may be basic auth.)"""
    token = _bearer_or_basic_password(request.headers.get("authorization", ""))
    if token is None:
        raise _no_alert_source_token()
    principal = await run_in_threadpool(verify, engine, hash_token(token))
    return _alert_source(request, principal)


@dataclass(frozen=True)
class AlertSourceToken:
    """An alert source's token, not yet looked up: `verify_alert_sources` does, in the
    transaction that writes the delivery (api.services.alert_writer)."""

    digest: str
    what: str  # "POST /api/v2/alerts", for a 403's message


async def alert_source_token(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AlertSourceToken:
    """`authenticate_alert_source`'s 401 for a missing token, without the lookup."""
    token = _bearer_or_basic_password(request.headers.get("authorization", ""))
    if token is None:
        raise _no_alert_source_token()
    return AlertSourceToken(hash_token(token), f"{request.method} {request.url.path}")


def verify_alert_sources(
    conn: Connection, tokens: Sequence[AlertSourceToken]
) -> list[Principal | ApiError]:
    """Each token's principal in `conn`'s transaction (a revoke holds as for every request),
    or its error: 401 if unknown or revoked, 403 for roles other than admin and alert-source.
    A token sent by several deliveries is looked up once."""
    found: dict[str, Principal | None] = {}
    outcomes: list[Principal | ApiError] = []
    for token in tokens:
        if token.digest not in found:
            found[token.digest] = principal_on(conn, token.digest)
        principal = found[token.digest]
        if principal is None:
            outcomes.append(unauthorized("invalid or revoked token"))
            continue
        try:
            check_role(principal, (Role.alert_source,), token.what)
            outcomes.append(principal)
        except ApiError as exc:  # 403
            outcomes.append(exc)
    return outcomes


def _alert_source(request: Request, principal: Principal | None) -> Principal:
    if principal is None:
        raise unauthorized("invalid or revoked token")
    request.state.principal = principal
    check_role(principal, (Role.alert_source,), f"{request.method} {request.url.path}")
    return principal


def _no_alert_source_token() -> ApiError:
    return ApiError(
        401, "unauthorized", "missing bearer token or basic auth",
        headers={"WWW-Authenticate": 'Bearer, Basic realm="sluice"'},
    )  # fmt: skip


def _bearer_or_basic_password(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    _user, colon, password = decoded.partition(":")
    return password if colon and password else None
