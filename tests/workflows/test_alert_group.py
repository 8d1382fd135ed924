"""AlertGroupWorkflow's timers on the time-skipping test server, with its real activities:
group_wait batching, group_interval, repeat, resolution, silences and inhibition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, add_silence, alert, hook_channels, publish

ROUTING = """
routes:
  - name: web
    matchers: ['team="web"']
    group_by: [alertname]
    group_wait: 30s
    group_interval: 2m
    repeat_interval: 1h
    channels: [web-hook]
  - name: warnings
    matchers: ['severity="warning"']
    group_by: [cluster]
    group_wait: 10s
    group_interval: 1m
    channels: [web-hook]
inhibit_rules:
  - name: critical-mutes-warning
    source: ['severity="critical"']
    target: ['severity="warning"']
    equal: [cluster]
"""


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment, metadata_engine: Engine, webhook_peer: WebhookPeer
) -> AsyncIterator[GroupRig]:
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "web-hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer)


async def test_group_wait_batches_two_deliveries_into_one_message(rig: GroupRig) -> None:
    async with rig.worker():
        [group] = await rig.send(alert("Down", team="web", instance="a"))
        await rig.env.sleep(10)
        assert await rig.send(alert("Down", team="web", instance="b")) == [group]
        await rig.env.sleep(15)
        assert rig.messages() == []  # still inside group_wait
        await rig.env.sleep(10)
        [message] = await rig.told(1)
        assert message["title"].startswith("[Sluice] FIRING:2")
        assert "instance=a" in message["text"] and "instance=b" in message["text"]
        assert message["facts"]["counts"] == {"firing": 2, "resolved": 0}
        assert len(rig.events("notified")) == 2
        assert rig.group(group).status == "firing" and rig.group(group).firing == 2


async def test_changes_wait_for_the_group_interval_and_resolution_ends_the_run(
    rig: GroupRig,
) -> None:
    async with rig.worker():
        [group] = await rig.send(alert("Down", team="web", instance="a"))
        await rig.env.sleep(31)
        assert len(await rig.told(1)) == 1
        await rig.send(alert("Down", team="web", instance="b"))
        await rig.env.sleep(60)
        assert len(rig.messages()) == 1  # the group interval (2 min) has not passed
        await rig.env.sleep(65)
        assert len(await rig.told(2)) == 2
        assert rig.messages()[1]["facts"]["counts"]["firing"] == 2
        await rig.send(alert("Down", "resolved", team="web", instance="a"),
                       alert("Down", "resolved", team="web", instance="b"))  # fmt: skip
        result = await rig.finished(group, 130)
        assert rig.titles()[-1].startswith("[Sluice] RESOLVED")
        assert "Resolved (2)" in rig.messages()[-1]["text"]
        assert result["messages"] == 3
        assert rig.group(group).status == "resolved"


async def test_what_still_fires_is_repeated_every_repeat_interval(rig: GroupRig) -> None:
    async with rig.worker():
        await rig.send(alert("Down", team="web", instance="a"))
        await rig.env.sleep(31)
        assert len(await rig.told(1)) == 1
        await rig.env.sleep(3500)
        assert len(rig.messages()) == 1
        await rig.env.sleep(200)
        assert len(await rig.told(2)) == 2
        assert [e.detail["as"] for e in rig.events("notified")] == ["firing", "repeat"]


async def test_a_silenced_alert_is_held_back_and_its_resolution_told(rig: GroupRig) -> None:
    now = await rig.now()
    silence = add_silence(rig.engine, ['instance="a"'], now - timedelta(minutes=1),
                          now + timedelta(hours=1), notify_resolved=True)  # fmt: skip
    async with rig.worker():
        [group] = await rig.send(alert("Down", team="web", instance="a"))
        await rig.env.sleep(31)
        assert rig.messages() == []
        [held] = rig.events("suppressed")
        assert held.detail["reason"] == "silenced" and held.detail["by"] == str(silence)
        await rig.send(alert("Down", "resolved", team="web", instance="a"))
        await rig.finished(group, 130)
        [message] = rig.messages()
        assert "Resolved while silenced (1)" in message["text"]


async def test_an_expired_silence_with_notify_on_expiry_tells_what_still_fires(
    rig: GroupRig,
) -> None:
    now = await rig.now()
    add_silence(rig.engine, ['instance="a"'], now - timedelta(minutes=1),
                now + timedelta(minutes=10), notify_on_expiry=True)  # fmt: skip
    async with rig.worker():
        await rig.send(alert("Down", team="web", instance="a"))
        await rig.env.sleep(5 * 60)
        assert rig.messages() == []
        await rig.env.sleep(6 * 60)  # the group wakes when the silence ends
        [message] = rig.messages()
        assert "Silence ended, still firing" in message["text"]


async def test_an_inhibited_alert_is_told_once_its_source_resolves(rig: GroupRig) -> None:
    critical = alert("NodeDown", severity="critical", cluster="c1")
    warning = alert("DiskSlow", severity="warning", cluster="c1")
    async with rig.worker():
        await rig.send(critical, warning)
        await rig.env.sleep(35)
        assert rig.messages() == []  # the source's route (the default) has no channels
        inhibited = [e for e in rig.events("suppressed") if e.detail["reason"] == "inhibited"]
        assert [e.fingerprint for e in inhibited] == [warning.fingerprint]
        told = {e.fingerprint for e in rig.events("notified")}
        assert warning.fingerprint not in told
        await rig.send(alert("NodeDown", "resolved", severity="critical", cluster="c1"))
        await rig.env.sleep(70)
        told = {e.fingerprint for e in rig.events("notified")}
        assert warning.fingerprint in told
        [message] = rig.messages()
        assert "DiskSlow" in message["text"]
