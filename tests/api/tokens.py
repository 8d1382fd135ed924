"""Issue API tokens straight into a test database, for clients that must authenticate."""

from sqlmodel import Session

from api.auth import create_token
from api.db import make_engine
from api.models import Role


def issue_token(db_url: str, role: Role = Role.admin, name: str | None = None) -> str:
    """A new token for `role` (named `test-<role>` unless given) in the database at `db_url`."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            _row, token = create_token(
                session, name=name or f"test-{role}", role=role, actor="tests"
            )
    finally:
        engine.dispose()
    return token


def bearer(db_url: str, role: Role = Role.admin, name: str | None = None) -> dict[str, str]:
    """`Authorization` headers for a new token."""
    return {"Authorization": f"Bearer {issue_token(db_url, role, name)}"}
