"""HostQueryWorkflow on the real Temporal dev server: an agent's host worker answers, an
absent agent is `agent_offline`, an activity's refusal keeps its error class. The workflow
runs on the host query queue, apart from the central one (no worker polls that here)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from api.services.host_queries import HostQueryFailed, ask_agent
from sluice.contracts.files import host_queue
from sluice.contracts.host_queries import host_query_queue, host_view_queue
from workflows.host_query import HostQueryWorkflow


@activity.defn(name="test_echo")
async def echo(arg: dict[str, Any]) -> dict[str, Any]:
    if arg.get("refuse"):
        raise ApplicationError("path is outside the agent's roots", type="invalid_input")
    return {"echo": arg["say"], "agent": activity.info().task_queue}


@activity.defn(name="host_resources")
async def view(arg: dict[str, Any]) -> dict[str, Any]:
    return {"queue": activity.info().task_queue}


async def test_an_agent_answers_and_an_absent_one_is_offline(temporal_client: Client) -> None:
    central, agent = f"central-{uuid.uuid4().hex[:8]}", f"agent-{uuid.uuid4().hex[:8]}"
    async with (
        Worker(
            temporal_client, task_queue=host_query_queue(central), workflows=[HostQueryWorkflow]
        ),
        Worker(temporal_client, task_queue=host_queue(agent), activities=[echo]),
        Worker(temporal_client, task_queue=host_view_queue(agent), activities=[view]),
    ):
        # A host view runs on the view queue (its own slots), anything else on the host queue.
        looked = await ask_agent(temporal_client, central, agent, "host_resources", {})
        assert looked == {"queue": f"sluice-hostview-{agent}"}
        answer = await ask_agent(temporal_client, central, agent, "test_echo", {"say": "hi"})
        assert answer == {"echo": "hi", "agent": host_queue(agent)}
        with pytest.raises(HostQueryFailed, match="outside") as refused:
            await ask_agent(temporal_client, central, agent, "test_echo", {"refuse": True})
        assert refused.value.error_class == "invalid_input"
        with pytest.raises(HostQueryFailed, match="is it running") as offline:
            await ask_agent(temporal_client, central, "nobody-" + agent, "test_echo",
                            {"say": "hi"}, pickup_s=1)  # fmt: skip
        assert offline.value.error_class == "agent_offline"


async def test_a_worker_on_the_central_queue_alone_is_no_worker(temporal_client: Client) -> None:
    central, agent = f"central-{uuid.uuid4().hex[:8]}", f"agent-{uuid.uuid4().hex[:8]}"
    async with Worker(temporal_client, task_queue=central, workflows=[HostQueryWorkflow]):
        with pytest.raises(HostQueryFailed, match=f"'{central}-hostquery'") as refused:
            await ask_agent(temporal_client, central, agent, "test_echo", {"say": "hi"})
    assert refused.value.error_class == "no_worker"
