"""`POST /channels/{id}:test` through the worker: the API starts ChannelTestWorkflow by name,
the worker sends to a loopback DingTalk peer and records the send."""

import httpx
import pytest
from pydantic import SecretStr

from sluice.settings import NotificationSettings, Settings
from tests.peers.chat import DingTalkPeer

CHANNELS = "/api/v1/channels"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session settings with a key for the channels' secrets (API and worker share it)."""
    key = NotificationSettings(secret_key=SecretStr("e2e test key, long enough"))
    return settings.model_copy(update={"notifications": key})


async def test_test_message_is_sent_and_recorded(
    central_worker: None, api: httpx.AsyncClient, dingtalk_peer: DingTalkPeer
) -> None:
    channel = (await api.post(CHANNELS, json=dingtalk_peer.channel())).json()
    sent = await api.post(f"{CHANNELS}/{channel['id']}:test")
    assert sent.json() == {"sent": True, "error": "", "error_class": ""}
    assert dingtalk_peer.accepted[0]["markdown"]["title"] == "[Sluice] test message"

    dingtalk_peer.fail_next(dingtalk_peer.errcode(130101, "send too fast"))
    failed = (await api.post(f"{CHANNELS}/{channel['id']}:test")).json()
    assert failed["sent"] is False and failed["error_class"] == "rate_limit"
    assert "130101" in failed["error"]

    rows = (await api.get("/api/v1/notifications", params={"channel_id": channel["id"]})).json()
    assert [(r["status"], r["step"], r["channel"]) for r in rows] == [
        ("failed", "test", "ops-ding"),
        ("sent", "test", "ops-ding"),
    ]
    only_failed = (await api.get("/api/v1/notifications", params={"status": "failed"})).json()
    assert len(only_failed) == 1 and "send too fast" in only_failed[0]["error"]


async def test_deleting_a_channel_keeps_its_notification_history_and_frees_its_name(
    central_worker: None, api: httpx.AsyncClient, dingtalk_peer: DingTalkPeer
) -> None:
    channel = (await api.post(CHANNELS, json=dingtalk_peer.channel())).json()
    assert (await api.post(f"{CHANNELS}/{channel['id']}:test")).json()["sent"] is True

    deleted = await api.delete(f"{CHANNELS}/{channel['id']}")
    assert deleted.status_code == 204, deleted.text
    assert (await api.get(f"{CHANNELS}/{channel['id']}")).status_code == 404
    [record] = (await api.get("/api/v1/notifications")).json()
    assert (record["channel"], record["channel_id"], record["status"]) == ("ops-ding", None, "sent")

    again = await api.post(CHANNELS, json=dingtalk_peer.channel())
    assert again.status_code == 201, again.text
    new_id = again.json()["id"]
    assert (await api.post(f"{CHANNELS}/{new_id}:test")).json()["sent"] is True
    new_only = await api.get("/api/v1/notifications", params={"channel_id": new_id})
    assert [r["channel_id"] for r in new_only.json()] == [new_id]
    assert len((await api.get("/api/v1/notifications")).json()) == 2
    assert (await api.delete(f"{CHANNELS}/{new_id}")).status_code == 204
    everything = (await api.get("/api/v1/notifications")).json()
    assert {r["channel"] for r in everything} == {"ops-ding"}


async def test_a_missing_channel_is_404_before_anything_starts(api: httpx.AsyncClient) -> None:
    response = await api.post(f"{CHANNELS}/999999:test")
    assert response.status_code == 404


async def test_without_a_worker_the_test_is_refused_at_once(
    api: httpx.AsyncClient, dingtalk_peer: DingTalkPeer
) -> None:
    channel = (await api.post(CHANNELS, json=dingtalk_peer.channel())).json()
    response = await api.post(f"{CHANNELS}/{channel['id']}:test")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "worker_unavailable"
    assert "start `sluice worker`" in error["message"]
    assert dingtalk_peer.accepted == []
    assert (await api.get("/api/v1/notifications")).json() == []
