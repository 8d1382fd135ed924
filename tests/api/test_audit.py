"""The audit log on SQLite and PostgreSQL: a row per successful mutation, filters, request ids."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import create_app
from api.audit import describe
from sluice.cli import app as cli
from sluice.settings import NotificationSettings, Settings
from store.models import Role
from tests.api.tokens import bearer

AUDIT = "/api/v1/audit-logs"
RULE = {
    "name": "dumps",
    "match": {"globs": ["**/*.hprof"]},
    "pipeline": [{"upload": {"bucket": "dumps", "key": "{relpath}"}}],
}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    notifications = NotificationSettings(secret_key=SecretStr("audit test key, long enough"))
    app = create_app(Settings(database_url=db_url, notifications=notifications))
    with TestClient(app, headers=bearer(db_url, Role.operator, "alice")) as test_client:
        yield test_client


def audit(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """Audit rows, newest first; without a resource_type, not the tokens the fixtures issued."""
    response = client.get(AUDIT, params=params)
    assert response.status_code == 200, response.text
    rows = list(response.json()["items"])
    return rows if "resource_type" in params else [r for r in rows if r["resource_type"] != "token"]


def test_rule_changes_are_audited_with_actor_resource_body_and_request_id(
    client: TestClient,
) -> None:
    created = client.post("/api/v1/rules", json=RULE, headers={"X-Request-ID": "req-create-1"})
    assert created.status_code == 201 and created.headers["x-request-id"] == "req-create-1"
    rule_id = str(created.json()["id"])
    client.put(f"/api/v1/rules/{rule_id}", json={**RULE, "priority": 5})
    client.post(f"/api/v1/rules/{rule_id}:publish")
    deleted = client.delete(f"/api/v1/rules/{rule_id}")
    assert deleted.status_code == 204

    rows = audit(client)
    assert [(r["action"], r["resource_type"], r["resource_id"], r["actor"]) for r in rows] == [
        ("rule.delete", "rule", rule_id, "alice"),
        ("rule.publish", "rule", rule_id, "alice"),
        ("rule.update", "rule", rule_id, "alice"),
        ("rule.create", "rule", rule_id, "alice"),
    ]
    create = rows[-1]
    assert create["request_id"] == "req-create-1"
    assert create["diff"]["request"] == RULE
    assert create["diff"]["after"]["id"] == int(rule_id)
    assert rows[2]["diff"]["request"]["priority"] == 5
    assert datetime.fromisoformat(create["at"]) > datetime.now(UTC) - timedelta(minutes=1)


def test_reads_and_failed_mutations_are_not_audited(client: TestClient) -> None:
    client.get("/api/v1/rules")
    assert client.post("/api/v1/rules", json={"name": "x"}).status_code == 422
    assert client.post("/api/v1/tasks/nope:cancel").status_code == 404
    assert client.delete("/api/v1/channels/99").status_code == 404
    assert audit(client) == []


def test_test_actions_and_channels_are_audited_and_secrets_redacted(
    client: TestClient,
) -> None:
    probe = {"rel_path": "a.hprof", "size": 1, "agent_id": "web-01", "root": "/data"}
    assert client.post("/api/v1/rules:test", json=probe).status_code == 200
    body = {
        "name": "ops",
        "type": "dingtalk",
        "config": {"at_mobiles": ["138"]},
        "secrets": {"url": "http://127.0.0.1:9/hook?access_token=t0psecret", "secret": "s3cr3t"},
    }
    created = client.post("/api/v1/channels", json=body)
    assert created.status_code == 201, created.text
    rows = audit(client)
    assert [r["action"] for r in rows] == ["channel.create", "rule.test"]
    assert rows[0]["resource_id"] == str(created.json()["id"])
    assert rows[0]["diff"]["request"]["secrets"] == "***"
    assert "t0psecret" not in str(rows) and "s3cr3t" not in str(rows)
    assert rows[1]["diff"]["request"] == probe


def test_agent_registration_and_config_push_are_audited_heartbeats_are_not(
    client: TestClient, db_url: str
) -> None:
    agent = bearer(db_url, Role.agent, "web-01")
    admin = bearer(db_url, Role.admin, "root")
    registration = {"id": "web-01", "hostname": "h", "ip": "10.0.0.1", "version": "1"}
    assert client.post("/api/v1/agents/register", json=registration, headers=agent).is_success
    assert client.post("/api/v1/agents/heartbeat", json={"id": "web-01"}, headers=agent).is_success
    pushed = {"config": {"silence": 3.0}}
    assert client.put("/api/v1/agents/web-01/config", json=pushed, headers=admin).is_success
    rows = audit(client)
    assert [(r["actor"], r["action"], r["resource_id"]) for r in rows] == [
        ("root", "agent.config.update", "web-01"),
        ("web-01", "agent.register", "web-01"),
    ]
    assert rows[0]["diff"]["request"] == pushed


def test_filters_and_keyset_pages(client: TestClient, db_url: str) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    other = bearer(db_url, Role.admin, "bob")
    ids = [
        client.post("/api/v1/rules", json={**RULE, "name": f"r{i}"}).json()["id"] for i in range(5)
    ]
    client.delete(f"/api/v1/rules/{ids[0]}", headers=other)

    assert [r["actor"] for r in audit(client, actor="bob")] == ["bob"]
    assert len(audit(client, action="rule.create")) == 5
    assert len(audit(client, resource_type="rule")) == 6
    assert audit(client, resource_type="channel") == []
    assert len(audit(client, since=before.isoformat())) == 6
    assert audit(client, since=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == []

    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "resource_type": "rule"}
        if cursor:
            params["cursor"] = cursor
        page = client.get(AUDIT, params=params).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen, reverse=True)
    bad = client.get(AUDIT, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"


def test_request_id_is_generated_or_echoed_on_every_response(client: TestClient) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz").headers["x-request-id"] != generated
    echoed = client.get("/api/v1/tasks", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    denied = client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"})
    assert denied.status_code == 401 and re.fullmatch(
        r"[0-9a-f]{32}", denied.headers["x-request-id"]
    )
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert odd.headers["x-request-id"] != "bad id\twith spaces"


def test_token_cli_changes_are_audited(
    client: TestClient, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLUICE_DATABASE_URL", db_url)
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["token", "create", "--name", "ci", "--role", "viewer"]).exit_code == 0
    )
    rows = audit(client, resource_type="token")
    assert [(r["action"], r["diff"]["after"]["name"]) for r in rows[:2]] == [
        ("token.create", "ci"),
        ("token.create", "alice"),  # the fixture's, issued without the CLI
    ]
    assert rows[0]["actor"].startswith("cli") and rows[0]["diff"]["after"] == {
        "name": "ci",
        "role": "viewer",
    }
    assert runner.invoke(cli, ["token", "revoke", rows[0]["resource_id"]]).exit_code == 0
    after = audit(client, resource_type="token")
    assert (after[0]["action"], after[0]["resource_id"]) == ("token.revoke", rows[0]["resource_id"])


def test_rows_name_the_acting_token_and_its_role(client: TestClient, db_url: str) -> None:
    client.post("/api/v1/rules", json=RULE)
    admin = bearer(db_url, Role.admin, "bob")
    client.post("/api/v1/rules", json={**RULE, "name": "other"}, headers=admin)
    tokens = {t["name"]: t["id"] for t in client.get("/api/v1/tokens", headers=admin).json()}
    rows = audit(client, action="rule.create")
    assert [(r["actor"], r["actor_token_id"], r["actor_role"]) for r in rows] == [
        ("bob", tokens["bob"], "admin"),
        ("alice", tokens["alice"], "operator"),
    ]
    [alice] = audit(client, token_id=tokens["alice"], action="rule.create")
    assert alice["actor"] == "alice"


def test_token_cli_refuses_a_live_name_and_a_second_revoke(
    client: TestClient, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLUICE_DATABASE_URL", db_url)
    runner = CliRunner()
    twin = runner.invoke(cli, ["token", "create", "--name", "alice", "--role", "admin"])
    assert twin.exit_code == 1 and "a live token named 'alice' exists" in twin.output
    assert "Traceback" not in twin.output
    rows = audit(client, resource_type="token")
    assert [r["actor"] for r in rows if r["diff"]["after"]["name"] == "alice"] == ["tests"]
    cli_row = audit(client, resource_type="token")[0]
    assert (cli_row["actor_token_id"], cli_row["actor_role"]) == (None, "")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/api/v1/rules", ("rule.create", "rule", "")),
        ("POST", "/api/v1/rules:test", ("rule.test", "rule", "")),
        ("POST", "/api/v1/rules/7:publish", ("rule.publish", "rule", "7")),
        ("DELETE", "/api/v1/channels/3", ("channel.delete", "channel", "3")),
        ("POST", "/api/v1/channels/3:test", ("channel.test", "channel", "3")),
        ("POST", "/api/v1/tasks/t-1:retry", ("task.retry", "task", "t-1")),
        ("POST", "/api/v1/agents/register", ("agent.register", "agent", "")),
        ("PUT", "/api/v1/agents/a/config", ("agent.config.update", "agent", "a")),
        ("POST", "/api/v1/alert-routing/versions", ("alert_routing.create", "alert_routing", "")),
        (
            "POST",
            "/api/v1/alert-routing/versions/3:publish",
            ("alert_routing.publish", "alert_routing", "3"),
        ),
        ("POST", "/api/v1/alert-routing:rollback", ("alert_routing.rollback", "alert_routing", "")),
        ("POST", "/api/v1/silences/4:expire", ("silence.expire", "silence", "4")),
        ("PUT", "/api/v1/silences/4", ("silence.update", "silence", "4")),
        ("POST", "/api/v1/alerts/ab12:silence", ("alert.silence", "alert", "ab12")),
    ],
)
def test_describe_names_actions(method: str, path: str, expected: tuple[str, str, str]) -> None:
    target = describe(method, path)
    assert (target.action, target.resource_type, target.resource_id) == expected
