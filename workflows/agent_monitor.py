"""The agent monitor: marks agents whose heartbeat is too old offline and tells the channels
about the ones that went offline in a check (one message per check, however many agents).

AgentMonitorLoop is one long-lived workflow per task queue: a check, a timer, again,
continuing as new now and then; the worker starts it (or re-configures it) at start-up.
AgentMonitorWorkflow, one check per run, is what the former schedule started: it stays
registered so those runs still finish and replay.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.monitor import MonitorActivities
    from sluice.monitoring import (
        AGENT_MONITOR_STEP,
        AgentMonitorInput,
        AgentMonitorLoopInput,
        AgentMonitorResult,
        AgentMonitorStatus,
        OfflineCheck,
    )
    from workflows.notices import send_each

CHECK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=3,  # the next check tries again anyway
)
# About 11 history events a check: 800 keep a run under Temporal's 10K-event warning.
MONITOR_CHECKS_PER_RUN = 800


async def check_agents(inp: AgentMonitorInput) -> AgentMonitorResult:
    """One check: mark silent agents offline, then one message per channel about them."""
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


@workflow.defn(name="AgentMonitorWorkflow")
class AgentMonitorWorkflow:
    @workflow.run
    async def run(self, inp: AgentMonitorInput) -> AgentMonitorResult:
        return await check_agents(inp)


@workflow.defn(name="AgentMonitorLoop")
class AgentMonitorLoop:
    def __init__(self) -> None:
        self._config: AgentMonitorLoopInput | None = None
        self._check_now = False
        self._checks = 0
        self._last: AgentMonitorResult | None = None

    @workflow.signal
    def configure(self, config: AgentMonitorLoopInput) -> None:
        """New settings (a worker started): they apply from the next check on."""
        self._config = config
        self._check_now = True  # a shorter interval should not wait out the old one

    @workflow.signal
    def check_now(self) -> None:
        self._check_now = True

    @workflow.query
    def status(self) -> AgentMonitorStatus:
        interval = self._config.interval_s if self._config else 0.0
        return AgentMonitorStatus(self._checks, self._last, interval)

    @workflow.run
    async def run(self, config: AgentMonitorLoopInput) -> None:
        self._config = self._config or config
        while True:
            self._check_now = False
            self._last = await check_agents(self._config.check)
            self._checks += 1
            if (
                self._checks >= MONITOR_CHECKS_PER_RUN
                or workflow.info().is_continue_as_new_suggested()
            ):
                workflow.continue_as_new(self._config)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._check_now,
                    timeout=timedelta(seconds=self._config.interval_s),
                    timeout_summary="until the next check",
                )
