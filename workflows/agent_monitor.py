"""AgentMonitorWorkflow: one tick of the agent monitor schedule. Marks agents whose heartbeat
is too old offline and tells the channels about the ones that went offline in this tick
(one message per tick, however many agents)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.monitor import MonitorActivities
    from sluice.monitoring import (
        AGENT_MONITOR_STEP,
        AgentMonitorInput,
        AgentMonitorResult,
        OfflineCheck,
    )
    from workflows.notices import send_each

CHECK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=3,  # the next tick tries again anyway
)


@workflow.defn(name="AgentMonitorWorkflow")
class AgentMonitorWorkflow:
    @workflow.run
    async def run(self, inp: AgentMonitorInput) -> AgentMonitorResult:
        went_offline = await workflow.execute_activity_method(
            MonitorActivities.mark_offline_agents,
            OfflineCheck(inp.offline_after_s),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=CHECK_RETRY,
        )
        ids = [agent.id for agent in went_offline]
        if not went_offline or not inp.channels:
            return AgentMonitorResult(ids)
        values = {"agents": [asdict(agent) for agent in went_offline]}
        notified = await send_each(
            inp.channels, "agent_offline", AGENT_MONITOR_STEP, values, count=len(ids)
        )
        return AgentMonitorResult(ids, notified)
