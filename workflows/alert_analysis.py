"""The analysis of an alert group as workflow steps: plan it, have the agent read the log
file of a log keyword alert (on the agent's host queue; an offline agent only costs the
excerpt), then analyse centrally. AlertGroupWorkflow runs it when its route says so;
AlertAnalysisWorkflow (`alert-analysis-<group id>`) runs it on demand."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from sluice.actions import Excerpt
    from sluice.contracts.alert_analysis import (
        ALERT_ANALYSIS_WORKFLOW,
        AnalyseGroup,
        AnalysisDone,
        AnalysisPlan,
        AnalysisRequest,
        LogExcerptRequest,
    )
    from sluice.contracts.files import host_queue

# The LLM's own retries and fallback run inside the activity; Temporal retries it only when
# the worker or the database failed it.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=3)
PLAN_TIMEOUT = timedelta(seconds=30)
ANALYSIS_TIMEOUT = timedelta(minutes=3)
AGENT_PICKUP = timedelta(seconds=20)  # an agent that does not take the excerpt is offline
EXCERPT_TIMEOUT = timedelta(seconds=30)


async def analyse_group(req: AnalysisRequest) -> AnalysisDone | None:
    """The analysis' id and outcome; None when the route does not want it now."""
    plan = await workflow.execute_activity(
        "plan_alert_analysis", req, result_type=AnalysisPlan,
        start_to_close_timeout=PLAN_TIMEOUT, retry_policy=RETRY,
    )  # fmt: skip
    if not plan.run:
        return None
    step = AnalyseGroup(req)
    if plan.agent:
        try:
            step.excerpt = await workflow.execute_activity(
                "extract_log_excerpt", LogExcerptRequest(plan.path), result_type=Excerpt,
                task_queue=host_queue(plan.agent), schedule_to_start_timeout=AGENT_PICKUP,
                start_to_close_timeout=EXCERPT_TIMEOUT,
                retry_policy=RetryPolicy(maximum_attempts=1),
                summary=f"excerpt of {plan.path} on {plan.agent}",
            )  # fmt: skip
        except ActivityError as exc:
            why = str(exc.cause or exc)
            step.excerpt_note = f"agent {plan.agent} did not read {plan.path}: {why}"[:500]
    return await workflow.execute_activity(
        "analyze_alert_group", step, result_type=AnalysisDone,
        start_to_close_timeout=ANALYSIS_TIMEOUT, retry_policy=RETRY,
    )  # fmt: skip


class GroupAnalysis:
    """AlertGroupWorkflow's analysis when its route asks for one: started beside group_wait,
    waited for by the first notification up to the route's hold, finished before the run
    ends or continues as new."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self, group_id: str) -> None:
        self._task = asyncio.create_task(self._run(group_id))

    async def hold(self, seconds: float, interrupted: Callable[[], bool]) -> None:
        """Wait for it up to `seconds`, or until `interrupted()` (a resolve by hand)."""
        task = self._task
        if task is None or seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: task.done() or interrupted(), timeout=timedelta(seconds=seconds)
            )

    async def finished(self) -> None:
        if self._task is not None:
            await self._task

    @staticmethod
    async def _run(group_id: str) -> None:
        try:
            await analyse_group(AnalysisRequest(group_id))
        except ActivityError:  # the database stayed away: the group is told without it
            workflow.logger.warning("alert group %s: analysis failed", group_id)


@workflow.defn(name=ALERT_ANALYSIS_WORKFLOW)
class AlertAnalysisWorkflow:
    """One analysis of a group, asked from the console or the API."""

    @workflow.run
    async def run(self, req: AnalysisRequest) -> AnalysisDone | None:
        return await analyse_group(req)
