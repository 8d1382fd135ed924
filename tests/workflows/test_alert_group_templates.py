"""The routing document's templates reach the webhook peer through AlertGroupWorkflow and its
real activities; one that fails on the real values falls back to the built-in template and the
alert events record why."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from sluice.alerting.document import check_routing
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, alert, hook_channels, publish

ROUTING = """
templates:
  db-page:
    title: "DB {{ counts.firing }}/{{ counts.resolved }} {{ group.labels.alertname }}"
    text: |
      {% for a in firing %}* {{ a.labels.instance }}: {{ a.summary }}
      {% endfor %}
  db-escalation:
    title: "DB step {{ escalation.step }} for {{ escalation.people | join(' and ') }}"
  fragile:
    title: "{{ 10 // (counts.firing - 2) }} to go"
routes:
  - name: db
    matchers: ['service="db"']
    group_by: [alertname]
    group_wait: 30s
    repeat_interval: 24h
    channels: [hook]
    template: db-page
    escalation: oncall
  - name: web
    matchers: ['service="web"']
    group_by: [alertname]
    group_wait: 30s
    channels: [hook]
    template: fragile
escalation_policies:
  - name: oncall
    template: db-escalation
    steps:
      - wait: 5m
        channels: [hook]
        people: [alice, bob]
"""


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment, metadata_engine: Engine, webhook_peer: WebhookPeer
) -> AsyncIterator[GroupRig]:
    check_routing(ROUTING)  # a document the API would save
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer)


async def test_the_routes_and_the_escalations_templates_reach_the_webhook(rig: GroupRig) -> None:
    async with rig.worker():
        await rig.send(alert("Lag", service="db", instance="db-1"))
        await rig.env.sleep(31)
        [message] = await rig.told(1)
        assert message["title"] == "DB 1/0 Lag"
        assert message["text"] == "* db-1: Lag is bad"
        assert message["facts"]["counts"] == {"firing": 1, "resolved": 0}
        await rig.env.sleep(5 * 60)
        escalation = rig.messages()[-1]
        assert escalation["event"] == "alert_escalation"
        assert escalation["title"] == "DB step 1 for alice and bob"
        assert "Acknowledge to stop the escalation" in escalation["text"]  # built-in text
        assert all("template_error" not in e.detail for e in rig.events("notified"))


async def test_a_template_failing_on_real_values_falls_back_and_says_why(rig: GroupRig) -> None:
    async with rig.worker():
        await rig.send(alert("Slow", service="web", instance="a"),
                       alert("Slow", service="web", instance="b"))  # fmt: skip
        await rig.env.sleep(31)
        [message] = await rig.told(1)
        assert message["title"].startswith("[Sluice] FIRING:2")  # the built-in template
        assert "instance=a" in message["text"] and "instance=b" in message["text"]
        notified = rig.events("notified")
        assert len(notified) == 2
        assert {e.detail["template_error"] for e in notified} == {
            "message template for alert_group: ZeroDivisionError: integer division or modulo "
            "by zero"
        }
        assert notified[0].detail["channels"] == ["hook"]
