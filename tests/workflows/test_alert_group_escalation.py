"""Escalation on durable timers: steps, ack (with an expiry), a worker restart in between,
and the operators' updates refused by their validators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from sluice.contracts.alert_groups import AckRequest, AssignRequest, ByRequest, GroupState
from tests.peers.chat import WebhookPeer
from tests.workflows.alert_groups import GroupRig, alert, hook_channels, publish

ROUTING = """
routes:
  - name: db
    matchers: ['service="db"']
    group_by: [alertname]
    group_wait: 30s
    group_interval: 1m
    repeat_interval: 24h
    channels: [db-hook]
    escalation: db-oncall
escalation_policies:
  - name: db-oncall
    steps:
      - wait: 10m
        channels: [page-hook]
        people: [alice]
      - wait: 20m
        channels: [page-hook]
        people: [bob]
"""


@pytest.fixture
async def rig(
    time_skipping: WorkflowEnvironment, metadata_engine: Engine, webhook_peer: WebhookPeer
) -> AsyncIterator[GroupRig]:
    publish(metadata_engine, ROUTING)
    hook_channels(metadata_engine, webhook_peer, "db-hook", "page-hook")
    yield GroupRig(time_skipping, metadata_engine, webhook_peer)


def escalations(rig: GroupRig) -> list[str]:
    return [m["title"] for m in rig.messages() if m["event"] == "alert_escalation"]


async def test_steps_run_on_their_waits_until_the_policy_ends(rig: GroupRig) -> None:
    async with rig.worker():
        [group] = await rig.send(alert("Replication", service="db"))
        await rig.env.sleep(30 + 9 * 60)
        assert escalations(rig) == []
        await rig.env.sleep(2 * 60)
        assert len(escalations(rig)) == 1
        assert rig.messages()[-1]["facts"]["escalation"]["people"] == ["alice"]
        await rig.env.sleep(21 * 60)
        assert len(escalations(rig)) == 2
        assert rig.messages()[-1]["facts"]["escalation"]["people"] == ["bob"]
        await rig.env.sleep(3 * 3600)
        assert len(escalations(rig)) == 2  # repeat: 0
        assert rig.group(group).escalation_step == 2
        assert len(rig.events("escalated")) == 2


async def test_an_ack_stops_the_escalation_until_it_expires(rig: GroupRig) -> None:
    async with rig.worker():
        [group] = await rig.send(alert("Replication", service="db"))
        await rig.env.sleep(60)
        handle = rig.client.get_workflow_handle(group)
        until = await rig.now() + timedelta(hours=1)
        state = await handle.execute_update(
            "ack", AckRequest("carol", until, "dave (phoned in)"), result_type=GroupState
        )
        assert (state.acked_by, state.acked_on_behalf_of) == ("carol", "dave (phoned in)")
        await rig.env.sleep(50 * 60)
        assert escalations(rig) == []  # step 1 was due at 10 min; acked
        row = rig.group(group)
        assert (row.acked_by, row.acked_on_behalf_of) == ("carol", "dave (phoned in)")
        [acked] = rig.events("acked")
        assert (acked.detail["by"], acked.detail["on_behalf_of"]) == ("carol", "dave (phoned in)")
        await rig.env.sleep(15 * 60)  # the ack lapsed at 61 min: the escalation resumes
        assert len(escalations(rig)) == 1
        [lapsed] = rig.events("unacked")
        assert lapsed.detail["by"] == "ack expired"
        # the step due while acked comes after the ack lapsed, not before
        assert [e.id for e in rig.events("escalated")] > [lapsed.id]
        assert (rig.group(group).acked_by, rig.group(group).acked_on_behalf_of) == ("", "")


async def test_a_new_worker_continues_the_escalation_at_its_time(rig: GroupRig) -> None:
    async with rig.worker(cache=False):
        [group] = await rig.send(alert("Replication", service="db"))
        await rig.env.sleep(30 + 11 * 60)
        assert len(escalations(rig)) == 1
    async with rig.worker(cache=False):  # a new worker: it replays the run's history
        await rig.env.sleep(18 * 60)
        assert len(escalations(rig)) == 1  # step 2 is due 20 min after step 1
        await rig.env.sleep(3 * 60)
        assert len(escalations(rig)) == 2
        assert rig.group(group).escalation_step == 2


async def test_updates_are_recorded_and_refused_when_they_make_no_sense(rig: GroupRig) -> None:
    async with rig.worker():
        [group] = await rig.send(alert("Replication", service="db"))
        await rig.env.sleep(40)
        handle = rig.client.get_workflow_handle(group)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("unack", ByRequest("carol"), result_type=GroupState)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("assign", AssignRequest("carol", " "))
        with pytest.raises(WorkflowUpdateFailedError) as nobody:
            await handle.execute_update("ack", AckRequest(""))  # nobody decided
        assert "by: a name of 1 to 200" in str(nobody.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as long:
            await handle.execute_update("ack", AckRequest("carol", None, "x" * 201))
        assert "on_behalf_of: at most 200" in str(long.value.cause)
        assert rig.events("acked") == []
        state = await handle.execute_update(
            "assign", AssignRequest("carol", "dave"), result_type=GroupState
        )
        assert state.assignee == "dave" and rig.group(group).assignee == "dave"
        await handle.execute_update("resolve", ByRequest("carol", "erin"), result_type=GroupState)
        result = await rig.finished(group, 5)
        assert result["messages"] == 2  # firing, then resolved
        assert "Resolved (1)" in rig.messages()[-1]["text"]
        [resolved] = [e for e in rig.events("resolved") if e.source == "sluice"]
        assert (resolved.detail["by"], resolved.detail["on_behalf_of"]) == ("carol", "erin")
        assert escalations(rig) == []
