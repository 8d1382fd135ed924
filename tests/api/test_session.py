"""The console's session on SQLite and PostgreSQL: a token exchanged for an HttpOnly,
SameSite=Strict cookie, CSRF on the cookie's mutations, sign-out and revocation end it, and
bearer tokens work as before."""

from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.app import create_app
from api.auth import find_token, revoke_token
from api.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from sluice.settings import Settings
from store.db import make_engine
from store.models import AuditLog, Role
from tests.api.tokens import issue_token

RULE = {"name": "logs", "match": {"suffixes": [".log"]}, "pipeline": [{"upload": {}}]}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=db_url))) as test_client:
        yield test_client


def set_cookies(response: Any) -> dict[str, dict[str, str | bool]]:
    """Each Set-Cookie of a response: its value and attributes (flags as True)."""
    cookies: dict[str, dict[str, str | bool]] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            attributes: dict[str, str | bool] = {"value": morsel.value}
            attributes.update({key: value for key, value in morsel.items() if value})
            cookies[name] = attributes
    return cookies


def sign_in(client: TestClient, token: str) -> dict[str, dict[str, str | bool]]:
    response = client.post("/api/v1/session", json={"token": token})
    assert response.status_code == 200, response.text
    return set_cookies(response)


def test_a_token_becomes_an_httponly_strict_session(client: TestClient, db_url: str) -> None:
    token = issue_token(db_url, Role.viewer, "console-viewer")
    response = client.post("/api/v1/session", json={"token": token})
    assert response.json() == {"name": "console-viewer", "role": "viewer"}
    cookies = set_cookies(response)
    session, csrf = cookies[SESSION_COOKIE], cookies[CSRF_COOKIE]
    assert session["value"] == token
    assert (session.get("httponly"), session["samesite"], session["path"]) == (True, "strict", "/")
    assert "secure" not in session  # served over http here
    assert "httponly" not in csrf and csrf["samesite"] == "strict"
    assert len(str(csrf["value"])) >= 32
    # The cookie alone authenticates reads, and says who is signed in.
    assert client.get("/api/v1/tasks").status_code == 200
    assert client.get("/api/v1/session").json() == {"name": "console-viewer", "role": "viewer"}


def test_cookies_are_secure_over_https(db_url: str) -> None:
    token = issue_token(db_url, Role.operator)
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, base_url="https://sluice.example") as client:
        cookies = sign_in(client, token)
    assert cookies[SESSION_COOKIE]["secure"] is True
    assert cookies[CSRF_COOKIE]["secure"] is True


def test_unknown_and_agent_tokens_do_not_sign_in(client: TestClient, db_url: str) -> None:
    unknown = client.post("/api/v1/session", json={"token": "sluice_not-a-token"})
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "invalid or revoked token"
    assert not set_cookies(unknown)
    agent = client.post("/api/v1/session", json={"token": issue_token(db_url, Role.agent, "a-1")})
    assert agent.status_code == 403
    assert "agent token" in agent.json()["error"]["message"]
    assert client.get("/api/v1/session").status_code == 401


def test_mutations_by_cookie_need_the_csrf_header(client: TestClient, db_url: str) -> None:
    cookies = sign_in(client, issue_token(db_url, Role.operator, "console-op"))
    missing = client.post("/api/v1/rules", json=RULE)
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "csrf_failed"
    assert f"missing {CSRF_HEADER} header" in missing.json()["error"]["message"]
    wrong = client.post("/api/v1/rules", json=RULE, headers={CSRF_HEADER: "guessed"})
    assert wrong.status_code == 403
    assert "does not match" in wrong.json()["error"]["message"]
    right = client.post(
        "/api/v1/rules", json=RULE, headers={CSRF_HEADER: str(cookies[CSRF_COOKIE]["value"])}
    )
    assert right.status_code == 201, right.text
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == "rule.create")).all()
    engine.dispose()
    assert [(row.actor, row.actor_role) for row in rows] == [("console-op", "operator")]


def test_bearer_tokens_need_no_csrf_header(client: TestClient, db_url: str) -> None:
    headers = {"Authorization": f"Bearer {issue_token(db_url, Role.operator)}"}
    assert client.post("/api/v1/rules", json=RULE, headers=headers).status_code == 201


def test_a_bearer_token_wins_over_the_session(client: TestClient, db_url: str) -> None:
    sign_in(client, issue_token(db_url, Role.viewer, "cookie-viewer"))
    headers = {"Authorization": f"Bearer {issue_token(db_url, Role.admin, 'cli-admin')}"}
    assert client.get("/api/v1/session", headers=headers).json()["name"] == "cli-admin"


def test_revoking_the_token_ends_the_session(client: TestClient, db_url: str) -> None:
    token = issue_token(db_url, Role.operator, "soon-revoked")
    sign_in(client, token)
    assert client.get("/api/v1/tasks").status_code == 200
    engine = make_engine(db_url)
    with Session(engine) as session:
        row = find_token(session, token)
        assert row is not None and row.id is not None
        revoke_token(session, token_id=row.id, actor="tests")
    engine.dispose()
    response = client.get("/api/v1/tasks")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "invalid or revoked token"


def test_sign_out_clears_the_session(client: TestClient, db_url: str) -> None:
    cookies = sign_in(client, issue_token(db_url, Role.viewer))
    assert client.delete("/api/v1/session").status_code == 403  # a live session: CSRF first
    out = client.delete(
        "/api/v1/session", headers={CSRF_HEADER: str(cookies[CSRF_COOKIE]["value"])}
    )
    assert out.status_code == 204
    cleared = set_cookies(out)
    assert cleared[SESSION_COOKIE]["value"] == "" and cleared[SESSION_COOKIE]["max-age"] == "0"
    assert cleared[CSRF_COOKIE]["max-age"] == "0"
    assert client.get("/api/v1/session").status_code == 401
    assert client.delete("/api/v1/session").status_code == 204  # signed out already: no-op


def test_sign_in_and_out_are_audited_without_the_token(client: TestClient, db_url: str) -> None:
    token = issue_token(db_url, Role.viewer, "audited")
    cookies = sign_in(client, token)
    client.delete("/api/v1/session", headers={CSRF_HEADER: str(cookies[CSRF_COOKIE]["value"])})
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.resource_type == "session")).all()
    engine.dispose()
    assert [(row.action, row.actor) for row in rows] == [
        ("session.create", "audited"),
        ("session.delete", "audited"),
    ]
    assert rows[0].diff["request"] == {"token": "***"}
    assert all(token not in repr(row.diff) for row in rows)
