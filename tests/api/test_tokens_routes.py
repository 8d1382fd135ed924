"""Token routes on SQLite and PostgreSQL: admin only, the secret shown once and never audited."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.settings import Settings
from store.models import Role
from tests.api.tokens import bearer

TOKENS = "/api/v1/tokens"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, Role.admin, "root")) as test_client:
        yield test_client


def test_create_returns_a_working_token_once(client: TestClient) -> None:
    created = client.post(TOKENS, json={"name": "ci", "role": "viewer"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["role"], body["revoked_at"]) == ("ci", "viewer", None)
    secret = body["token"]
    assert secret.startswith("sluice_")
    as_ci = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/tasks", headers=as_ci).status_code == 200
    assert client.post("/api/v1/rules", json={}, headers=as_ci).status_code == 403  # a viewer

    listed = client.get(TOKENS).json()
    assert [(t["name"], t["role"]) for t in listed] == [("root", "admin"), ("ci", "viewer")]
    assert secret not in str(listed) and all("token" not in t for t in listed)
    ci = next(t for t in listed if t["name"] == "ci")
    assert ci["last_used_at"] is not None  # it was just used


def test_revoke_refuses_a_token_in_use_at_once(client: TestClient) -> None:
    created = client.post(TOKENS, json={"name": "busy", "role": "viewer"}).json()
    as_busy = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/tasks", headers=as_busy).status_code == 200  # now cached
    assert client.post(f"{TOKENS}/{created['id']}:revoke").status_code == 200
    assert client.get("/api/v1/tasks", headers=as_busy).status_code == 401


def test_create_and_revoke_are_audited_without_the_secret(client: TestClient) -> None:
    created = client.post(TOKENS, json={"name": "deploy", "role": "operator"}).json()
    token_id = str(created["id"])
    revoked = client.post(f"{TOKENS}/{token_id}:revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (
        client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {created['token']}"}).json()[
            "error"
        ]["code"]
        == "unauthorized"
    )

    rows = client.get("/api/v1/audit-logs", params={"resource_type": "token"}).json()["items"]
    api_rows = [r for r in rows if r["actor"] == "root"]
    assert [(r["action"], r["resource_id"]) for r in api_rows] == [
        ("token.revoke", token_id),
        ("token.create", token_id),
    ]  # once each: the request's row, not a second one from the service
    assert api_rows[1]["diff"]["request"] == {"name": "deploy", "role": "operator"}
    assert api_rows[1]["diff"]["after"]["token"] == "***"
    assert created["token"] not in str(rows)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x", "role": "root"}, "role"),
        ({"name": "", "role": "viewer"}, "name"),
        ({"role": "viewer"}, "name"),
    ],
)
def test_invalid_token_requests_are_422(
    client: TestClient, body: dict[str, str], message: str
) -> None:
    response = client.post(TOKENS, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert message in response.json()["error"]["message"]


def test_revoke_unknown_is_404_and_twice_is_409(client: TestClient) -> None:
    missing = client.post(f"{TOKENS}/999:revoke")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "token '999' not found"
    token_id = client.post(TOKENS, json={"name": "once", "role": "viewer"}).json()["id"]
    assert client.post(f"{TOKENS}/{token_id}:revoke").status_code == 200
    again = client.post(f"{TOKENS}/{token_id}:revoke")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert "already revoked" in again.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", TOKENS), ("GET", TOKENS), ("POST", f"{TOKENS}/1:revoke")],
)
@pytest.mark.parametrize("role", [Role.operator, Role.viewer, Role.agent])
def test_only_admins_manage_tokens(
    client: TestClient, db_url: str, method: str, path: str, role: Role
) -> None:
    body = {"name": "sneaky", "role": "admin"} if method == "POST" else None
    denied = client.request(method, path, json=body, headers=bearer(db_url, role, "someone"))
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "forbidden")
    anonymous = client.request(method, path, json=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert [t["name"] for t in client.get(TOKENS).json()].count("sneaky") == 0


def test_a_live_tokens_name_cannot_be_issued_again(client: TestClient, db_url: str) -> None:
    """An operator named like the admin would read as the admin in the audit log."""
    root_id = next(t["id"] for t in client.get(TOKENS).json() if t["name"] == "root")
    twin = client.post(TOKENS, json={"name": "root", "role": "operator"})
    assert twin.status_code == 409, twin.text
    message = twin.json()["error"]["message"]
    assert f"a live token named 'root' exists (id {root_id})" in message
    assert [t["name"] for t in client.get(TOKENS).json()] == ["root"]

    first = client.post(TOKENS, json={"name": "ci", "role": "viewer"}).json()
    assert client.post(f"{TOKENS}/{first['id']}:revoke").status_code == 200
    second = client.post(TOKENS, json={"name": "ci", "role": "viewer"})  # a revoked name is free
    assert second.status_code == 201 and second.json()["id"] != first["id"]
