"""Rules and channels carrying hostile templates are refused with a 422 naming the field."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from sluice.settings import NotificationSettings, Settings
from tests.api.tokens import bearer

RULES = "/api/v1/rules"
CHANNELS = "/api/v1/channels"
NOTIFY = {"channels": ["ops"]}
# (step, the path the refusal names, what it says there)
ATTACKS: list[tuple[dict[str, Any], str, str]] = [
    (
        {"notify": {**NOTIFY, "title": "{{ cycler.__init__.__globals__.os.getpid() }}"}},
        "pipeline[1].notify.title",
        "'__globals__': names starting with '_' are not allowed",
    ),
    (
        {"notify": {**NOTIFY, "text": "{{ lipsum.__globals__['os'].environ }}"}},
        "pipeline[1].notify.text",
        "'__globals__': names starting with '_' are not allowed",
    ),
    (
        {"notify": {**NOTIFY, "text": "{{ ''.__class__.__mro__ }}"}},
        "pipeline[1].notify.text",
        "'__class__': names starting with '_' are not allowed",
    ),
    (
        {"notify": {**NOTIFY, "title": "{{ config }}"}},
        "pipeline[1].notify.title",
        "unknown variable(s) config; use event task file analysis",
    ),
    (
        {"approve": {"notify": {**NOTIFY, "text": "{{ range(9)|list }}"}}},
        "pipeline[1].approve.notify.text",
        "unknown variable(s) range; use event task file analysis",
    ),
    (
        {"notify": {**NOTIFY, "text": "{% for loop in file %}{% endfor %}"}},
        "pipeline[1].notify.text",
        "Can't assign to special loop variable",  # found when compiling: once a 500
    ),
    (
        {"notify": {**NOTIFY, "title": "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}"}},
        "pipeline[1].notify.title",
        "the template nests too deeply",  # a RecursionError: once a 500
    ),
    (
        {"webhook": {"url": "https://hooks.example/{name.__class__}"}},
        "pipeline[1].webhook.url",
        "unknown template field(s) {name.__class__}; use {task_id}",
    ),
    (
        {
            "webhook": {
                "url": "https://hooks.example/in",
                "headers": {"X-Token": "{labels.__class__.__missing__.__globals__}"},
            }
        },
        "pipeline[1].webhook.headers.X-Token",
        "unknown template field(s) {labels.__class__.__missing__.__globals__}",
    ),
    (
        {"webhook": {"url": "https://hooks.example/in", "body": {"f": ["{name:>99999999}"]}}},
        "pipeline[1].webhook.body",
        "at f[0]: unknown template field(s) {name:>99999999}",
    ),
    (
        {"jenkins": {"job": "ops/analyze", "params": {"FILE": "{name!r}"}}},
        "pipeline[1].jenkins.params.FILE",
        "unknown template field(s) {name!r}",
    ),
    (
        {"script": {"command": ["/usr/bin/gzip", "{path.__class__}"]}},
        "pipeline[1].script.command[1]",
        "unknown template field(s) {path.__class__}",
    ),
]


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    notifications = NotificationSettings(secret_key=SecretStr("api test key, long enough"))
    settings = Settings(database_url=db_url, notifications=notifications)
    with TestClient(create_app(settings), headers=bearer(db_url)) as test_client:
        yield test_client


def document(step: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"name": "logs", "pipeline": [{"upload": {}}, step], **top}


def refusal(response: Any) -> str:
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_rule"
    message: str = response.json()["error"]["message"]
    return message


def test_rules_with_hostile_templates_are_refused_naming_the_field(client: TestClient) -> None:
    for step, path, says in ATTACKS:
        message = refusal(client.post(RULES, json=document(step)))
        assert f"{path}: " in message and says in message, message
    upload_key = {"name": "logs", "pipeline": [{"upload": {"key": "{name:>99999999}"}}]}
    assert "pipeline[0].upload.key: unknown key template field(s) {name:>99999999}" in (
        refusal(client.post(RULES, json=upload_key))
    )
    on_failure = document({"verify": {}}, on_failure={"notify": {**NOTIFY, "title": "{{ x }}"}})
    assert "on_failure.notify.title: unknown variable(s) x" in (
        refusal(client.post(RULES, json=on_failure))
    )
    assert client.get(RULES).json() == []


def test_an_update_with_a_hostile_template_keeps_the_rule_as_it_was(client: TestClient) -> None:
    good = document({"notify": {**NOTIFY, "title": "{{ file.name }} done"}})
    created = client.post(RULES, json=good)
    assert created.status_code == 201, created.text
    bad = document({"notify": {**NOTIFY, "title": "{{ lipsum.__globals__ }}"}})
    message = refusal(client.put(f"{RULES}/{created.json()['id']}", json=bad))
    assert "pipeline[1].notify.title: '__globals__'" in message
    assert client.get(f"{RULES}/{created.json()['id']}").json()["spec"] == good


def test_webhook_channels_with_hostile_templates_are_refused(client: TestClient) -> None:
    def channel(**config: Any) -> dict[str, Any]:
        return {"name": "hook", "type": "webhook", "config": {"url": "https://h/in", **config}}

    headers = {"X-Token": "{labels.__class__.__missing__.__globals__}"}
    response = client.post(CHANNELS, json=channel(headers=headers))
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(
        "config.headers.X-Token: unknown template field(s) "
        "{labels.__class__.__missing__.__globals__}; use {task_id}"
    )
    response = client.post(CHANNELS, json=channel(url="https://h/{name:>99999999}"))
    assert response.status_code == 422
    assert "config.url: unknown template field(s) {name:>99999999}" in response.text

    created = client.post(CHANNELS, json=channel(headers={"X-Env": "{labels[env]}"}))
    assert created.status_code == 201, created.text
    update = {"config": {"url": "https://h/{name.__class__}"}}
    response = client.put(f"{CHANNELS}/{created.json()['id']}", json=update)
    assert response.status_code == 422 and "config.url: unknown template field" in response.text
    assert client.get(CHANNELS).json()[0]["config"]["headers"] == {"X-Env": "{labels[env]}"}
