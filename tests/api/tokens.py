"""Issue API tokens straight into a test database, for clients that must authenticate."""

from itertools import count

from sqlmodel import Session

from api.auth import create_token
from api.db import make_engine
from api.models import Role
from api.services.tokens import live_named


def issue_token(db_url: str, role: Role = Role.admin, name: str | None = None) -> str:
    """A new token for `role` in the database at `db_url`, named `name` (which must be free
    among live tokens) or else `test-<role>`, `test-<role>-2`, … whichever is free."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            names = (f"test-{role}" if n == 1 else f"test-{role}-{n}" for n in count(1))
            chosen = name or next(n for n in names if not live_named(session, n))
            _row, token = create_token(session, name=chosen, role=role, actor="tests")
    finally:
        engine.dispose()
    return token


def bearer(db_url: str, role: Role = Role.admin, name: str | None = None) -> dict[str, str]:
    """`Authorization` headers for a new token."""
    return {"Authorization": f"Bearer {issue_token(db_url, role, name)}"}
