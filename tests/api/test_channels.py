"""Channels API on SQLite and PostgreSQL: CRUD with sealed secrets, a test message, the
notifications record."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from sluice.settings import NotificationSettings, Settings
from tests.api.tokens import bearer
from tests.peers.chat import DingTalkPeer

CHANNELS = "/api/v1/channels"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    notifications = NotificationSettings(secret_key=SecretStr("api test key, long enough"))
    settings = Settings(database_url=db_url, notifications=notifications)
    with TestClient(create_app(settings), headers=bearer(db_url)) as test_client:
        yield test_client


def test_create_list_update_delete_never_shows_secrets(
    client: TestClient, dingtalk_peer: DingTalkPeer
) -> None:
    created = client.post(CHANNELS, json=dingtalk_peer.channel())
    assert created.status_code == 201, created.text
    channel = created.json()
    assert channel["secrets_set"] == ["secret", "url"]
    assert dingtalk_peer.token not in created.text and "secrets" not in channel
    assert client.get(CHANNELS).json() == [channel]

    again = client.post(CHANNELS, json=dingtalk_peer.channel())
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    changed = client.put(f"{CHANNELS}/{channel['id']}", json={"config": {"at_all": True}})
    assert changed.status_code == 200 and changed.json()["config"] == {"at_all": True}
    assert changed.json()["secrets_set"] == ["secret", "url"]  # kept when not given

    assert client.delete(f"{CHANNELS}/{channel['id']}").status_code == 204
    assert client.get(f"{CHANNELS}/{channel['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "type": "pager", "config": {}}, "unknown channel type 'pager'"),
        ({"name": "x", "type": "dingtalk", "config": {}}, "need secret(s) ['url']"),
        ({"name": "x", "type": "email", "config": {"to": []}}, "config.to: List should have"),
        (
            {
                "name": "x",
                "type": "slack",
                "config": {"colour": 1},
                "secrets": {"url": "https://h"},
            },
            "config.colour: unknown key",
        ),
    ],
)
def test_invalid_channels_are_refused(
    client: TestClient, body: dict[str, object], fragment: str
) -> None:
    response = client.post(CHANNELS, json=body)
    assert response.status_code == 422
    assert fragment in response.json()["error"]["message"]


def test_secrets_need_a_key(db_url: str, dingtalk_peer: DingTalkPeer) -> None:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app, headers=bearer(db_url, name="no-key-admin")) as no_key:
        response = no_key.post(CHANNELS, json=dingtalk_peer.channel())
    assert response.status_code == 409
    assert "notifications.secret_key" in response.json()["error"]["message"]
