"""How the action steps run inside FileWorkflow: jenkins, webhook, script, analyze, notify.

Deterministic code only; see workflows/file_steps.py for the runners' shape.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    is_cancelled_exception,
)
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from activities.analyze.central import AnalyzeActivities
    from activities.analyze.host import ExcerptActivities
    from activities.jenkins import JenkinsActivities, build_ref_from, build_summary
    from activities.notify import NotifyActivities
    from activities.script import ScriptActivities
    from activities.webhook import WebhookActivities
    from sluice.actions import (
        Analysis,
        AnalyzeRequest,
        BuildRef,
        ExcerptRequest,
        JenkinsRequest,
        ScriptRequest,
        WebhookRequest,
    )
    from sluice.contracts import (
        AnalyzeOptions,
        JenkinsOptions,
        NotifyOptions,
        ScriptOptions,
        StepPlan,
        WebhookOptions,
    )
    from workflows.attempts import (
        ONE_ATTEMPT,
        StepFailed,
        StepOutcome,
        classified,
        progress_details,
    )
    from workflows.file_run import FileRun
    from workflows.task_notices import notify_request
    from workflows.undo import Undo


async def run_jenkins(run: FileRun, step: StepPlan, options: JenkinsOptions) -> StepOutcome:
    request = JenkinsRequest(
        context=run.context(),
        server=options.server,
        job=options.job,
        params=dict(options.params),
        wait=options.wait,
        unstable_ok=options.unstable == "success",
        poll_interval_s=options.poll_interval,
        presign_expiry_s=options.presign_expiry,
        resume=run.builds.get(step.name),
    )
    try:
        result = await workflow.execute_activity_method(
            JenkinsActivities.run_build,
            request,
            summary=f"{step.name}: Jenkins job {request.job} for {run.where()}",
            start_to_close_timeout=timedelta(seconds=step.timeout_s),
            heartbeat_timeout=timedelta(seconds=step.heartbeat_timeout_s),
            retry_policy=ONE_ATTEMPT,
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
    except ActivityError as err:
        if isinstance(err.cause, ApplicationError) and err.cause.type == "cancelled":
            # cancelled mid-build: the activity stopped the build and says which it was
            run.cancelled[step.name] = _summary_of(err, None) or {}
            raise asyncio.CancelledError(err.cause.message) from err
        build = _build_of(err)
        if build is not None:
            run.builds[step.name] = build
        summary = _summary_of(err, build)
        if summary is None or is_cancelled_exception(err):
            raise
        failed = classified(err.cause or err)
        failed.details = summary  # the failed attempt records the build it got to
        raise failed from err
    run.builds.pop(step.name, None)
    summary = build_summary(result.build, result.result or "triggered")
    return StepOutcome(summary, undo=[Undo(step.name, "stop_build", result.build)])


def cleanup_jenkins(
    run: FileRun, step: StepPlan, options: JenkinsOptions, failed: StepFailed | None
) -> list[Undo]:
    """A jenkins step that gives up stops the build its last attempt left running."""
    build = run.builds.pop(step.name, None)
    return [Undo(step.name, "stop_build", build)] if build else []


async def run_webhook(run: FileRun, step: StepPlan, options: WebhookOptions) -> StepOutcome:
    request = WebhookRequest(
        context=run.context(),
        method=options.method,
        url=options.url,
        channel=options.channel,
        headers=dict(options.headers),
        body=options.body,
        presign_expiry_s=options.presign_expiry,
        request_timeout_s=min(options.request_timeout, step.timeout_s),
    )
    result = await workflow.execute_activity_method(
        WebhookActivities.call_webhook,
        request,
        summary=f"{step.name}: webhook {request.channel or request.method} for {run.where()}",
        start_to_close_timeout=timedelta(seconds=step.timeout_s),
        retry_policy=ONE_ATTEMPT,
    )
    return StepOutcome({"status": str(result.status), "response": result.body_excerpt})


async def run_script(run: FileRun, step: StepPlan, options: ScriptOptions) -> StepOutcome:
    request = ScriptRequest(
        context=run.context(),
        command=list(options.command),
        timeout_s=step.timeout_s,
        cwd=options.cwd,
        env=dict(options.env),
        max_output_bytes=options.max_output,
    )
    result = await workflow.execute_activity_method(
        ScriptActivities.run_script,
        request,
        summary=f"{step.name}: script {request.command[0]} for {run.where()}",
        task_queue=run.input.host_queue,
        # the script's own timeout kills it; this one catches a lost host
        start_to_close_timeout=timedelta(seconds=step.timeout_s + 30),
        heartbeat_timeout=timedelta(seconds=max(step.heartbeat_timeout_s, 60)),
        retry_policy=ONE_ATTEMPT,
        cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    )
    return StepOutcome(
        {
            "exit_code": str(result.exit_code),
            "output": result.output,
            "truncated": str(result.truncated).lower(),
        }
    )


async def run_analyze(run: FileRun, step: StepPlan, options: AnalyzeOptions) -> StepOutcome:
    file = run.input.file
    excerpt = await workflow.execute_activity_method(
        ExcerptActivities.extract_excerpt,
        ExcerptRequest(
            root=file.root,
            rel_path=file.rel_path,
            expected_size=file.size,
            expected_mtime_ns=file.mtime_ns,
            max_lines=options.max_lines,
            max_bytes=options.max_bytes,
            context_lines=options.context_lines,
            mask_emails=options.mask_emails,
        ),
        task_queue=run.input.host_queue,
        summary=f"{step.name}: excerpt of {run.where()}",
        start_to_close_timeout=timedelta(seconds=min(step.timeout_s, 600)),
        retry_policy=ONE_ATTEMPT,
    )
    analysis = await workflow.execute_activity_method(
        AnalyzeActivities.analyze_excerpt,
        AnalyzeRequest(
            file_name=file.name,
            excerpt=excerpt,
            language=options.language,
            prompt=options.prompt,
        ),
        summary=f"{step.name}: analysis of {run.where()}",
        start_to_close_timeout=timedelta(seconds=step.timeout_s),
        retry_policy=ONE_ATTEMPT,
    )
    run.analysis = analysis
    return StepOutcome(analysis_summary(analysis))


async def run_notify(run: FileRun, step: StepPlan, options: NotifyOptions) -> StepOutcome:
    request = notify_request(run, step.name, options, facts={"status": "running"})
    result = await workflow.execute_activity_method(
        NotifyActivities.send_notification,
        request,
        summary=f"{step.name}: notify {', '.join(request.channels)}",
        start_to_close_timeout=timedelta(seconds=step.timeout_s),
        retry_policy=ONE_ATTEMPT,
    )
    summary = {"sent": ", ".join(result.sent)}
    if result.skipped:
        summary["already_sent"] = ", ".join(result.skipped)
    return StepOutcome(summary)


def analysis_summary(analysis: Analysis) -> dict[str, str]:
    """The step's summary: the whole result as compact JSON plus the fields people filter on."""
    data = asdict(analysis)
    return {
        "analysis": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        "severity": analysis.severity,
        "degraded": str(analysis.degraded).lower(),
        "error_class": analysis.error_class,
        "summary": analysis.summary[:500],
    }


def _build_of(err: ActivityError) -> BuildRef | None:
    """The build a failed jenkins attempt got to: failure details or last heartbeat."""
    details = progress_details(err)
    return build_ref_from(details) if details else None


def _summary_of(err: ActivityError, running: BuildRef | None) -> dict[str, str] | None:
    """The build a failed jenkins attempt records: a finished build's summary from the
    failure, or the build a timed-out attempt left running."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.details:
        first = cause.details[0]
        if isinstance(first, dict) and "result" in first:
            return {str(k): str(v) for k, v in first.items()}
    return build_summary(running, "running") if running is not None else None
