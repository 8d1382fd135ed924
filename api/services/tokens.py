"""API tokens: issued with a name unique among live tokens, stored as sha256 hashes, revoked once.

The API's token routes call these directly (the request itself is the audit row,
api/audit.py); `api.auth.create_token`/`revoke_token` wrap them with an audit row of their
own for the CLI, which has no request to audit.
"""

import hashlib
import secrets

from sqlmodel import Session, col, select

from store.models import ApiToken, Role, utcnow

TOKEN_PREFIX = "sluice_"


class TokenConflict(Exception):
    """The token is already revoked, or its name is taken by a live token."""


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_named(session: Session, name: str) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
    return list(session.exec(query.order_by(col(ApiToken.id))))


def add_token(
    session: Session, *, name: str, role: Role, replace: bool = False
) -> tuple[ApiToken, str]:
    """Add (not commit) a token; TokenConflict if a live token has the name, unless `replace`
    revokes those in the same transaction. The clear token is returned once, never stored."""
    taken = live_named(session, name)
    if taken and not replace:
        ids = ", ".join(str(row.id) for row in taken)
        raise TokenConflict(
            f"a live token named {name!r} exists (id {ids}): choose another name, or revoke "
            f"it first (`sluice token revoke {taken[0].id}`)"
        )
    for row in taken:
        row.revoked_at = utcnow()
        session.add(row)
    token = new_token()
    row = ApiToken(name=name, role=role, token_hash=hash_token(token))
    session.add(row)
    session.flush()
    return row, token


def mark_revoked(session: Session, *, token_id: int) -> ApiToken | None:
    """Mark (not commit) a live token revoked; None if there is no such token,
    TokenConflict if it is revoked already."""
    row = session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is not None:
        raise TokenConflict(f"token {token_id} was already revoked at {row.revoked_at.isoformat()}")
    row.revoked_at = utcnow()
    session.add(row)
    return row


def issue_token(session: Session, *, name: str, role: Role) -> tuple[ApiToken, str]:
    """Store a new token's hash; TokenConflict if a live token has this name."""
    row, token = add_token(session, name=name, role=role)
    session.commit()
    session.refresh(row)
    return row, token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))))


def revoke_token(session: Session, *, token_id: int) -> ApiToken | None:
    """Revoke a live token: every replica refuses it from its next request (api.auth checks
    the DB on each one). None if there is no such token, TokenConflict if already revoked."""
    row = mark_revoked(session, token_id=token_id)
    if row is not None:
        session.commit()
        session.refresh(row)
    return row
