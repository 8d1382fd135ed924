"""The alert routing API over a real database: versions checked at their lines, channels that
must exist, publish and rollback, the test of where labels go, the read views, and roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from sluice.settings import Settings
from store.db import make_engine
from store.models import Channel, Role
from tests.api.tokens import bearer

ROUTING = "/api/v1/alert-routing"
VERSIONS = f"{ROUTING}/versions"

DOCUMENT = """routes:
  - name: database
    matchers: ['team="db"']
    group_by: [alertname, cluster]
    channels: [dba]
    escalation: oncall
    continue: true
  - name: critical
    matchers: ['severity=critical']
    channels: [ops]
    send_resolved: false
    active_time: {windows: ["Mon 00:00-00:01"], timezone: UTC}
default:
  name: fallback
  channels: [ops]
inhibit_rules:
  - name: node-down
    source: ['alertname=NodeDown']
    target: ['severity=warning']
    equal: [instance]
escalation_policies:
  - name: oncall
    steps:
      - {channels: [dba]}
      - {wait: 10m, channels: [ops], people: [li]}
"""


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        for name in ("dba", "ops"):
            session.add(Channel(name=name, type="webhook", config={"url": "https://h/in"}))
        session.commit()
    engine.dispose()
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url)) as test_client:
        yield test_client


def save(client: TestClient, text: str, comment: str = "") -> dict[str, Any]:
    response = client.post(VERSIONS, json={"text": text, "comment": comment})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def publish(client: TestClient, version: int) -> dict[str, Any]:
    response = client.post(f"{VERSIONS}/{version}:publish")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def problems(response: Any) -> list[tuple[int, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_routing"
    return [(p["line"], p["path"]) for p in error["problems"]]


def test_nothing_published_is_the_builtin_default(client: TestClient) -> None:
    live = client.get(ROUTING).json()
    assert (live["version"], live["text"]) == (0, "")
    assert live["document"]["default"]["name"] == "default"
    assert client.get("/api/v1/alert-routes").json()[0]["name"] == "default"
    assert client.post(f"{ROUTING}:rollback").status_code == 409


def test_problems_are_reported_at_their_lines_and_nothing_is_saved(client: TestClient) -> None:
    broken = DOCUMENT.replace("['team=\"db\"']", "['team=~(']").replace(
        "send_resolved: false", "send_resolved: false\n    colour: red"
    )
    response = client.post(VERSIONS, json={"text": broken})
    assert problems(response) == [(3, "routes[0].matchers"), (12, "routes[1].colour")]
    message = response.json()["error"]["problems"][1]["message"]
    assert message.startswith("unknown key")
    assert "team=~(" in response.json()["error"]["problems"][0]["message"]

    assert problems(client.post(VERSIONS, json={"text": "routes:\n  - name: [x\n"})) == [(3, "")]
    undefined = DOCUMENT.replace("escalation: oncall", "escalation: nobody")
    assert problems(client.post(VERSIONS, json={"text": undefined})) == [
        (6, "routes[0].escalation")
    ]
    assert problems(client.post(VERSIONS, json={"text": "- a\n- b\n"})) == [(1, "")]
    assert client.get(VERSIONS).json() == []


def test_unknown_channels_are_named_at_their_lines(client: TestClient) -> None:
    text = DOCUMENT.replace("channels: [ops]\n    send", "channels: [ops, pager]\n    send")
    text = text.replace("{wait: 10m, channels: [ops]", "{wait: 10m, channels: [sms]")
    response = client.post(VERSIONS, json={"text": text})
    assert problems(response) == [
        (10, "routes[1].channels[1]"),
        (25, "escalation_policies[0].steps[1].channels[0]"),
    ]
    assert "no channel named 'pager'" in response.json()["error"]["message"]


def test_publish_then_rollback_to_what_was_live_before(client: TestClient) -> None:
    first = save(client, DOCUMENT, "first")
    assert (first["version"], first["live"], first["published_at"]) == (1, False, None)
    second = save(client, DOCUMENT.replace("name: fallback", "name: catch-all"), "rename")
    assert client.get(ROUTING).json()["version"] == 0  # saving is not publishing

    assert publish(client, 1)["live"] is True
    assert client.post(f"{VERSIONS}/1:publish").status_code == 409  # live already
    publish(client, second["version"])
    live = client.get(ROUTING).json()
    assert live["version"] == 2 and live["document"]["default"]["name"] == "catch-all"
    assert live["text"] == second["text"]

    rolled = client.post(f"{ROUTING}:rollback")
    assert rolled.status_code == 200 and rolled.json()["version"] == 1
    assert client.get(ROUTING).json()["version"] == 1
    listed = client.get(VERSIONS).json()
    assert [(v["version"], v["live"], v["comment"]) for v in listed] == [
        (2, False, "rename"),
        (1, True, "first"),
    ]
    assert client.get(f"{VERSIONS}/2").json()["text"] == second["text"]
    assert client.get(f"{VERSIONS}/9").status_code == 404
    assert client.post(f"{VERSIONS}/9:publish").status_code == 404

    audit = client.get("/api/v1/audit-logs", params={"resource_type": "alert_routing"}).json()
    actions = [row["action"] for row in audit["items"]]
    assert actions.count("alert_routing.publish") == 2 and "alert_routing.rollback" in actions
    assert "alert_routing.create" in actions


def test_read_views_show_the_live_document(client: TestClient) -> None:
    publish(client, save(client, DOCUMENT)["version"])
    routes = client.get("/api/v1/alert-routes").json()
    assert [r["name"] for r in routes] == ["database", "critical", "fallback"]
    assert routes[0]["continue"] is True
    assert [r["name"] for r in client.get("/api/v1/inhibit-rules").json()] == ["node-down"]
    policies = client.get("/api/v1/escalation-policies").json()
    assert policies[0]["name"] == "oncall" and policies[0]["steps"][1]["wait"] == 600


def test_the_test_shows_routes_groups_default_and_silences(client: TestClient) -> None:
    publish(client, save(client, DOCUMENT)["version"])
    labels = {"team": "db", "severity": "critical", "alertname": "Down", "cluster": "c1"}
    result = client.post(f"{ROUTING}:test", json={"labels": labels, "at": "2026-12-08T10:00:00Z"})
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["version"] == 1 and body["default"] is False
    database, critical = body["routes"]
    assert (database["name"], database["continue"], database["escalation"]) == (
        "database",
        True,
        "oncall",
    )
    assert database["group_labels"] == {"alertname": "Down", "cluster": "c1"}
    assert database["group_id"].startswith("alert-group-")
    assert (critical["channels"], critical["send_resolved"]) == (["ops"], False)
    assert critical["active_now"] is False  # Tuesday: outside its Monday window
    assert database["active_now"] is True

    silence = client.post(
        "/api/v1/silences",
        json={"matchers": ["cluster=c1"], "duration": "1h", "comment": "upgrade"},
    ).json()
    fallback = client.post(f"{ROUTING}:test", json={"labels": {"team": "web", "cluster": "c1"}})
    body = fallback.json()
    assert body["default"] is True and [r["name"] for r in body["routes"]] == ["fallback"]
    assert body["silenced_by"] == [silence["id"]]

    draft = DOCUMENT.replace("name: fallback", "name: draft-default")
    tried = client.post(f"{ROUTING}:test", json={"labels": {}, "text": draft}).json()
    assert tried["version"] is None and tried["routes"][0]["name"] == "draft-default"
    bad = client.post(f"{ROUTING}:test", json={"labels": {}, "text": "routes: 3\n"})
    assert problems(bad) == [(1, "routes")]


def test_the_test_names_the_inhibition_a_firing_alert_applies(
    client: TestClient, db_url: str
) -> None:
    publish(client, save(client, DOCUMENT)["version"])
    source = bearer(db_url, Role.alert_source)
    node_down = {"labels": {"alertname": "NodeDown", "instance": "n1"}}
    assert client.post("/api/v2/alerts", json=[node_down], headers=source).is_success
    warning = {"alertname": "DiskSlow", "severity": "warning", "instance": "n1"}
    body = client.post(f"{ROUTING}:test", json={"labels": warning}).json()
    assert body["inhibited_by"] == "node-down"
    other = client.post(f"{ROUTING}:test", json={"labels": {**warning, "instance": "n2"}})
    assert other.json()["inhibited_by"] is None


def test_viewers_read_and_test_but_may_not_change(client: TestClient, db_url: str) -> None:
    version = save(client, DOCUMENT)["version"]
    viewer = bearer(db_url, Role.viewer, "reader")
    assert client.get(VERSIONS, headers=viewer).status_code == 200
    assert client.get(ROUTING, headers=viewer).status_code == 200
    assert client.post(f"{ROUTING}:test", json={"labels": {}}, headers=viewer).status_code == 200
    denied = [
        client.post(VERSIONS, json={"text": DOCUMENT}, headers=viewer),
        client.post(f"{VERSIONS}/{version}:publish", headers=viewer),
        client.post(f"{ROUTING}:rollback", headers=viewer),
    ]
    assert [r.status_code for r in denied] == [403, 403, 403]
    operator = bearer(db_url, Role.operator, "op")
    assert client.post(f"{VERSIONS}/{version}:publish", headers=operator).status_code == 200
    assert client.get(ROUTING).json()["version"] == version


def test_hostile_documents_are_refused_not_crashed(client: TestClient) -> None:
    deep = "a: " + "[" * 200 + "]" * 200
    assert problems(client.post(VERSIONS, json={"text": deep}))[0][1] == ""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
        f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n"
        for n in range(8)
    )
    assert client.post(VERSIONS, json={"text": bomb}).status_code == 422
    huge = client.post(VERSIONS, json={"text": "#" * 300_000})
    assert huge.status_code == 422
    regex = client.post(
        VERSIONS, json={"text": "routes:\n  - name: a\n    matchers: ['x=~(a+)+\\1']\n"}
    )
    assert problems(regex) == [(3, "routes[0].matchers")]


TEMPLATES = """templates:
  db-page:
    title: "[DB] {{ counts.firing }} firing: {{ group.title }}"
    text: "{% for a in firing %}{{ a.labels.instance }} {{ a.summary }}{% endfor %}"
  db-escalation:
    title: "[DB] step {{ escalation.step }}"
"""


def with_templates(extra: str = "") -> str:
    text = TEMPLATES + extra + DOCUMENT
    text = text.replace(
        "    escalation: oncall\n", "    escalation: oncall\n    template: db-page\n"
    )
    return text.replace("  - name: oncall\n", "  - name: oncall\n    template: db-escalation\n")


def test_templates_are_saved_checked_and_previewed_by_the_test(client: TestClient) -> None:
    version = save(client, with_templates())["version"]
    publish(client, version)
    live = client.get(ROUTING).json()["document"]
    assert live["routes"][0]["template"] == "db-page"
    assert live["escalation_policies"][0]["template"] == "db-escalation"
    labels = {"team": "db", "alertname": "Down", "cluster": "c1", "instance": "db-1"}
    body = client.post(f"{ROUTING}:test", json={"labels": labels}).json()
    database, critical = (
        body["routes"][0],
        client.post(f"{ROUTING}:test", json={"labels": {"severity": "critical"}}).json()["routes"][
            0
        ],
    )
    assert database["template"] == "db-page"
    assert database["preview"] == {
        "template": "db-page",
        "title": "[DB] 1 firing: alertname=Down, cluster=c1",
        "text": "db-1 Down (sample)",
        "error": "",
    }
    assert (critical["template"], critical["preview"]) == (None, None)  # built in


def test_template_problems_are_refused_at_their_lines(client: TestClient) -> None:
    unknown = with_templates().replace("template: db-page\n", "template: db-pages\n")
    assert problems(client.post(VERSIONS, json={"text": unknown})) == [(13, "routes[0].template")]
    hostile = with_templates(
        "  evil:\n    title: '{{ group.__class__.__mro__ }}'\n"
        "  broken:\n    title: '{{ counts.firing | nosuchfilter }}'\n"
    )
    response = client.post(VERSIONS, json={"text": hostile})
    assert problems(response) == [(8, "templates.evil.title"), (10, "templates.broken.title")]
    messages = [p["message"] for p in response.json()["error"]["problems"]]
    assert "names starting with '_' are not allowed" in messages[0]
    assert "unknown filter 'nosuchfilter'" in messages[1]
    loops = with_templates(
        "  loops:\n    text: \"{% for a in 'x' * 9000 %}{% for b in 'y' * 9000 %}x{% endfor %}"
        '{% endfor %}"\n'
    )  # compiles; bounded when rendered with the sample values
    response = client.post(VERSIONS, json={"text": loops})
    assert problems(response) == [(8, "templates.loops.text")]
    assert "more than 10000 loop iterations" in response.json()["error"]["message"]
    assert client.get(VERSIONS).json() == []
    draft = client.post(f"{ROUTING}:test", json={"labels": {}, "text": unknown})
    assert problems(draft) == [(13, "routes[0].template")]
