"""FileAnalysisWorkflow: "Analyse this file" from the console. The host extracts a bounded,
masked excerpt of the file as it is now (extract_log_excerpt, as for a log alert), the
central worker analyses it (analyze_excerpt: the LLM, or the built-in analyzer, degraded)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType

with workflow.unsafe.imports_passed_through():
    from activities.analyze.central import AnalyzeActivities
    from activities.analyze.host import ExcerptActivities
    from sluice.actions import Analysis, AnalyzeRequest
    from sluice.contracts.alert_analysis import LogExcerptRequest
    from sluice.contracts.files import host_queue
    from sluice.contracts.host_files import FILE_ANALYSIS_WORKFLOW, FileAnalysisInput
    from workflows.attempts import ONE_ATTEMPT

EXCERPT_TIMEOUT = timedelta(seconds=60)
ANALYSIS_TIMEOUT = timedelta(seconds=120)


@workflow.defn(name=FILE_ANALYSIS_WORKFLOW)
class FileAnalysisWorkflow:
    @workflow.run
    async def run(self, inp: FileAnalysisInput) -> Analysis:
        """The Analysis; an ApplicationError typed agent_offline, invalid_input... if the
        host could not give an excerpt."""
        name = inp.path.rsplit("/", 1)[-1]
        try:
            excerpt = await workflow.execute_activity_method(
                ExcerptActivities.extract_log_excerpt,
                LogExcerptRequest(path=inp.path),
                task_queue=host_queue(inp.agent_id),
                schedule_to_start_timeout=timedelta(seconds=inp.pickup_s),
                start_to_close_timeout=EXCERPT_TIMEOUT,
                retry_policy=ONE_ATTEMPT,
                summary=f"excerpt of {name} on {inp.agent_id}",
            )
        except ActivityError as exc:
            raise _host_failure(inp, exc.cause) from None
        return await workflow.execute_activity_method(
            AnalyzeActivities.analyze_excerpt,
            AnalyzeRequest(file_name=name, excerpt=excerpt, language=inp.language),
            start_to_close_timeout=ANALYSIS_TIMEOUT,
            retry_policy=ONE_ATTEMPT,
            summary=f"analysis of {name} on {inp.agent_id}",
        )


def _host_failure(inp: FileAnalysisInput, cause: BaseException | None) -> ApplicationError:
    if isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_START:
        message = f"agent {inp.agent_id} did not answer: is it running?"
        return ApplicationError(message, type="agent_offline", non_retryable=True)
    if isinstance(cause, ApplicationError):
        return ApplicationError(cause.message, type=cause.type, non_retryable=True)
    return ApplicationError(str(cause), type="timeout", non_retryable=True)
