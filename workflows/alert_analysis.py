"""The analysis of an alert group as workflow steps: plan it, have the agent read the log
file of a log keyword alert (on the agent's host queue; an offline agent only costs the
excerpt), then analyse centrally. AlertGroupWorkflow runs it when its route says so;
AlertAnalysisWorkflow (`alert-analysis-<group id>`) runs it on demand."""

from __future__ import annotations

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


@workflow.defn(name=ALERT_ANALYSIS_WORKFLOW)
class AlertAnalysisWorkflow:
    """One analysis of a group, asked from the console or the API."""

    @workflow.run
    async def run(self, req: AnalysisRequest) -> AnalysisDone | None:
        return await analyse_group(req)
