"""Rule routes over a real database: CRUD, versions, publish, :test, and error bodies."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from sluice.settings import PipelineSettings, Settings
from store.models import Role
from tests.api.tokens import bearer

RULES = "/api/v1/rules"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url)) as test_client:
        yield test_client


def document(name: str = "dumps", **overrides: Any) -> dict[str, Any]:
    return {
        "name": name,
        "priority": 10,
        "match": {"globs": ["**/dumps/*.hprof"], "min_size": "1MiB"},
        "pipeline": [{"upload": {"bucket": "dumps", "key": "{host}/{relpath}"}}, {"verify": {}}],
        **overrides,
    }


def probe(**overrides: Any) -> dict[str, Any]:
    body = {
        "rel_path": "app/dumps/heap.hprof",
        "size": 2 * 1024 * 1024,
        "agent_id": "web-01",
        "root": "/data",
        "labels": {"env": "prod"},
    }
    return {**body, **overrides}


def create(client: TestClient, doc: dict[str, Any]) -> dict[str, Any]:
    response = client.post(RULES, json=doc)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_get_list(client: TestClient) -> None:
    created = create(client, document())
    assert created["name"] == "dumps"
    assert (created["latest_version"], created["live_version"]) == (1, None)
    assert created["spec"] == document()
    assert client.get(f"{RULES}/{created['id']}").json() == created
    assert client.get(RULES).json() == [created]


def test_invalid_rule_is_a_422_with_the_problem(client: TestClient) -> None:
    response = client.post(RULES, json=document(pipeline=[{"upload": {}}, {"jenkins": {}}]))
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid_rule",
            "message": 'rule "dumps": pipeline[1].jenkins.job: is required',
        }
    }
    response = client.post(RULES, json=document(match={"globs": ["a/[b"]}))
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "rule \"dumps\": match.globs[0]: unbalanced '[' at position 2 in 'a/[b'"
    )
    assert client.get(RULES).json() == []


def test_hostile_patterns_and_documents_are_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post(RULES, json=document(match={"regex": r"(\w+)/\1"}))
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(
        "rule \"dumps\": match.regex: invalid regex '(\\\\w+)/\\\\1': backreferences such as \\1 "
        "are not supported; Sluice matches regexes with RE2"
    )
    body: Any = "x"
    for _ in range(40):
        body = {"a": body}
    webhook = {"webhook": {"url": "https://hooks.example/x", "body": body}}
    response = client.post(RULES, json=document(pipeline=[webhook]))
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        'rule "dumps": pipeline[0].webhook.body.a.a…: nested more than 32 levels deep '
        "(the limit for a rule)"
    )
    for _ in range(260):  # 300 deep: past what the API parses for any body
        body = {"a": body}
    webhook = {"webhook": {"url": "https://hooks.example/x", "body": body}}
    response = client.post(RULES, json=document(pipeline=[webhook]))
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "body: JSON nested deeper than 64 levels"
    response = client.post(RULES, json=document(match={"globs": ["x" * 600_000]}))
    assert response.status_code == 422
    assert "larger than 128 KiB" in response.json()["error"]["message"]
    deepest = '{"name": "dumps", "pipeline": ' + "[" * 100_000 + "]" * 100_000 + "}"
    headers = {"content-type": "application/json"}
    response = client.post(RULES, content=deepest, headers=headers)
    assert response.status_code in (400, 422), response.text
    assert client.get(RULES).json() == []


def test_body_that_is_not_an_object_is_invalid_request(client: TestClient) -> None:
    response = client.post(RULES, json=["dumps"])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_duplicate_name_is_a_409(client: TestClient) -> None:
    create(client, document())
    response = client.post(RULES, json=document())
    assert response.status_code == 409
    assert response.json() == {
        "error": {"code": "conflict", "message": 'a rule named "dumps" already exists'}
    }


def test_update_publish_and_versions(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    updated = client.put(f"{RULES}/{rule_id}", json=document(priority=3))
    assert updated.status_code == 200
    assert (updated.json()["latest_version"], updated.json()["live_version"]) == (2, None)

    published = client.post(f"{RULES}/{rule_id}:publish", json={"version": 1})
    assert published.status_code == 200 and published.json()["live_version"] == 1
    versions = client.get(f"{RULES}/{rule_id}/versions").json()
    assert [(v["version"], v["live"], v["spec"]["priority"]) for v in versions] == [
        (2, False, 3),
        (1, True, 10),
    ]
    assert versions[0]["created_by"] == "test-admin"  # the token's name

    newest = client.post(f"{RULES}/{rule_id}:publish")  # no body: the newest version
    assert newest.status_code == 200 and newest.json()["live_version"] == 2


def test_update_with_an_invalid_document_keeps_the_versions(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    response = client.put(f"{RULES}/{rule_id}", json=document(match={"min_size": -5}))
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_rule",
        "message": 'rule "dumps": match.min_size: must not be negative, got -5',
    }
    assert len(client.get(f"{RULES}/{rule_id}/versions").json()) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"{RULES}/999", None),
        ("PUT", f"{RULES}/999", document()),
        ("DELETE", f"{RULES}/999", None),
        ("GET", f"{RULES}/999/versions", None),
        ("POST", f"{RULES}/999:publish", None),
    ],
)
def test_unknown_rule_is_a_404(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "rule '999' not found"}}


def test_publish_an_unknown_version_is_a_404(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    response = client.post(f"{RULES}/{rule_id}:publish", json={"version": 4})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"rule {rule_id} has no version 4"


def test_delete(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    assert client.delete(f"{RULES}/{rule_id}").status_code == 204
    assert client.get(f"{RULES}/{rule_id}").status_code == 404
    assert client.get(RULES).json() == []


def test_test_route_uses_only_published_rules(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    unpublished = client.post(f"{RULES}:test", json=probe())
    assert unpublished.status_code == 200
    assert unpublished.json()["rule_id"] is None
    assert [[s["type"] for s in stage] for stage in unpublished.json()["stages"]] == [
        ["upload"],
        ["verify"],
    ]

    client.post(f"{RULES}/{rule_id}:publish")
    plan = client.post(f"{RULES}:test", json=probe()).json()
    assert (plan["action"], plan["rule_id"], plan["rule_name"], plan["rule_version"]) == (
        "run", rule_id, "dumps", 1,
    )  # fmt: skip
    assert plan["matched"] == ["dumps"]
    upload = plan["stages"][0][0]
    assert upload["options"] == {  # every option: the unset ones as routing receives them
        "bucket": "dumps",
        "key": "{host}/{relpath}",
        "storage_class": None,
        "sse": None,
        "sse_kms_key_id": None,
        "part_size": 0,
        "part_concurrency": 0,
        "bandwidth_limit": 0,
    }
    assert upload["retry"]["max_attempts"] == 5
    too_small = client.post(f"{RULES}:test", json=probe(size=1024)).json()
    assert too_small["rule_id"] is None


def test_test_route_honours_windows_labels_and_the_unmatched_setting(db_url: str) -> None:
    settings = Settings(database_url=db_url, pipeline=PipelineSettings(unmatched="ignore"))
    with TestClient(create_app(settings), headers=bearer(db_url)) as client:
        match = {"agent_labels": {"env": "prod"}, "window": "Mon-Fri 09:00-18:00"}
        rule_id = create(client, document(match=match))["id"]
        client.post(f"{RULES}/{rule_id}:publish")
        monday = "2026-01-05T10:00:00Z"
        saturday = "2026-01-10T10:00:00Z"
        assert client.post(f"{RULES}:test", json=probe(at=monday)).json()["rule_name"] == "dumps"
        weekend = client.post(f"{RULES}:test", json=probe(at=saturday)).json()
        assert (weekend["action"], weekend["stages"]) == ("ignore", [])
        staging = client.post(f"{RULES}:test", json=probe(at=monday, labels={"env": "staging"}))
        assert staging.json()["action"] == "ignore"


def test_test_route_validates_its_body(client: TestClient) -> None:
    response = client.post(f"{RULES}:test", json=probe(size=-1))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert "size" in response.json()["error"]["message"]


def test_each_version_shows_its_diff_against_the_previous(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    client.put(f"{RULES}/{rule_id}", json=document(priority=3))
    client.put(f"{RULES}/{rule_id}", json=document(priority=3))  # saved again unchanged
    v3, v2, v1 = client.get(f"{RULES}/{rule_id}/versions").json()
    assert v2["diff"] == (
        "--- v1\n+++ v2\n@@ -8,4 +8,4 @@\n"
        "     bucket: dumps\n     key: '{host}/{relpath}'\n - verify: {}\n"
        "-priority: 10\n+priority: 3\n"
    )
    assert v3["diff"] == ""
    assert v1["diff"].startswith("--- (none)\n+++ v1\n")
    assert "+name: dumps\n" in v1["diff"] and "+  - '**/dumps/*.hprof'\n" in v1["diff"]


def test_rollback_publishes_the_old_document_as_a_new_version(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    client.post(f"{RULES}/{rule_id}:publish")
    client.put(f"{RULES}/{rule_id}", json=document(priority=3))
    client.post(f"{RULES}/{rule_id}:publish")

    rolled = client.post(f"{RULES}/{rule_id}:rollback", json={"version": 1})
    assert rolled.status_code == 200, rolled.text
    assert (rolled.json()["live_version"], rolled.json()["latest_version"]) == (3, 3)
    assert rolled.json()["spec"] == document()
    versions = client.get(f"{RULES}/{rule_id}/versions").json()
    assert [(v["version"], v["live"], v["spec"]["priority"]) for v in versions] == [
        (3, True, 10),
        (2, False, 3),
        (1, False, 10),
    ]
    assert versions[0]["diff"].startswith("--- v2\n+++ v3\n@@ -8,4 +8,4 @@\n")
    assert versions[0]["diff"].endswith("-priority: 3\n+priority: 10\n")
    plan = client.post(f"{RULES}:test", json=probe()).json()
    assert (plan["rule_id"], plan["rule_version"]) == (rule_id, 3)


def test_rollback_to_what_is_live_is_a_409(client: TestClient) -> None:
    rule_id = create(client, document())["id"]
    client.post(f"{RULES}/{rule_id}:publish")
    same = client.post(f"{RULES}/{rule_id}:rollback", json={"version": 1})
    assert same.status_code == 409
    assert same.json()["error"] == {
        "code": "conflict",
        "message": f"version 1 of rule {rule_id} is already live",
    }
    client.put(f"{RULES}/{rule_id}", json=document(priority=3))
    client.post(f"{RULES}/{rule_id}:publish")
    assert client.post(f"{RULES}/{rule_id}:rollback", json={"version": 1}).status_code == 200
    again = client.post(f"{RULES}/{rule_id}:rollback", json={"version": 1})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        f"version 1 of rule {rule_id} is already live (version 3 equals it)"
    )
    assert len(client.get(f"{RULES}/{rule_id}/versions").json()) == 3


def test_rollback_errors(client: TestClient) -> None:
    unknown_rule = client.post(f"{RULES}/999:rollback", json={"version": 1})
    assert unknown_rule.status_code == 404
    assert unknown_rule.json()["error"]["message"] == "rule '999' not found"
    rule_id = create(client, document())["id"]
    unknown_version = client.post(f"{RULES}/{rule_id}:rollback", json={"version": 7})
    assert unknown_version.status_code == 404
    assert unknown_version.json()["error"]["message"] == f"rule {rule_id} has no version 7"
    for body in ({}, {"version": 0}, None):
        response = client.post(f"{RULES}/{rule_id}:rollback", json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_request")


def test_rollback_is_audited_and_needs_a_writer(client: TestClient, db_url: str) -> None:
    rule_id = create(client, document())["id"]
    client.put(f"{RULES}/{rule_id}", json=document(priority=3))
    client.post(f"{RULES}/{rule_id}:publish")
    viewer = bearer(db_url, Role.viewer, "reader")
    denied = client.post(f"{RULES}/{rule_id}:rollback", json={"version": 1}, headers=viewer)
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "forbidden")
    anonymous = client.post(
        f"{RULES}/{rule_id}:rollback", json={"version": 1}, headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401
    assert client.post(f"{RULES}/{rule_id}:rollback", json={"version": 1}).status_code == 200
    [row] = client.get("/api/v1/audit-logs", params={"action": "rule.rollback"}).json()["items"]
    assert (row["resource_id"], row["actor"]) == (str(rule_id), "test-admin")
    assert row["diff"]["request"] == {"version": 1}
    assert row["diff"]["after"]["live_version"] == 3
    [v3, *_] = client.get(f"{RULES}/{rule_id}/versions").json()
    assert v3["created_by"] == "test-admin"
