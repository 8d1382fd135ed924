"""Issue API tokens straight into a test database, for clients that must authenticate."""

from itertools import count

from sqlmodel import Session

from api.auth import create_token
from api.services.tokens import live_named
from store.db import make_engine
from store.models import Role


def issue_token(db_url: str, role: Role = Role.admin, name: str | None = None) -> str:
    """A new token for `role` in the database at `db_url`, named `name` (`test-<role>` if not
    given), or `<name>-2`, `<name>-3`, … while live tokens hold it: live names are unique.

    An agent (or config-agent) token must carry its agent's id (its target) as its name, so
    it replaces a live one instead.
    """
    base = name or f"test-{role}"
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            if role in (Role.agent, Role.config_agent):
                chosen, replace = base, True
            else:
                names = (base if n == 1 else f"{base}-{n}" for n in count(1))
                chosen, replace = next(n for n in names if not live_named(session, n)), False
            _row, token = create_token(
                session, name=chosen, role=role, actor="tests", replace=replace
            )
    finally:
        engine.dispose()
    return token


def bearer(db_url: str, role: Role = Role.admin, name: str | None = None) -> dict[str, str]:
    """`Authorization` headers for a new token."""
    return {"Authorization": f"Bearer {issue_token(db_url, role, name)}"}
