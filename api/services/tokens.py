"""API tokens issued through the API: the request itself is the audit row (api/audit.py).

`api.auth.create_token`/`revoke_token` write their own audit rows for the CLI, which has no
request to audit; these do not, so an API call is audited once.
"""

from sqlmodel import Session, col, select

from api.auth import TOKENS, hash_token, new_token
from api.models import ApiToken, Role, utcnow


class TokenConflict(Exception):
    """The token is already revoked."""


def issue_token(session: Session, *, name: str, role: Role) -> tuple[ApiToken, str]:
    """Store a new token's hash; the clear token is returned once and never stored."""
    token = new_token()
    row = ApiToken(name=name, role=role, token_hash=hash_token(token))
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))))


def revoke_token(session: Session, *, token_id: int) -> ApiToken | None:
    """Revoke a live token; None if there is no such token, TokenConflict if already revoked."""
    row = session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is not None:
        raise TokenConflict(f"token {token_id} was already revoked at {row.revoked_at.isoformat()}")
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()
    TOKENS.forget()  # at once in this process; other replicas within TOKEN_CACHE_SECONDS
    session.refresh(row)
    return row
