"""How the action steps run inside FileWorkflow: jenkins, webhook, script, analyze, notify,
and the rule's failure notice. Deterministic code only (see workflows/steps.py)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    TimeoutError,
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
        FailureNotice,
        FileContext,
        JenkinsRequest,
        NotifyRequest,
        ScriptRequest,
        WebhookRequest,
    )
    from sluice.contracts import FileWorkflowInput, StepPlan, UploadResult
    from sluice.starts import file_where

if TYPE_CHECKING:
    from workflows.steps import StepOutcome

ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)  # retries are the step's, see steps.py
NOTICE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=5)
# Summary values are strings in the task's step record; the analysis is one compact JSON.
ANALYSIS_SUMMARY_KEYS = ("severity", "degraded", "error_class")


class ActionSteps:
    """Mixed into StepRunner: one `_<type>` method per action step."""

    input: FileWorkflowInput
    upload: UploadResult | None
    rule: str
    analysis: Analysis | None
    _builds: dict[str, BuildRef]
    cancelled_summaries: dict[str, dict[str, str]]

    def where(self) -> str:
        """The file, for activity summaries in the Temporal UI."""
        return file_where(self.input.file)

    def context(self) -> FileContext:
        up = self.upload
        return FileContext(
            task_id=workflow.info().workflow_id,
            file=self.input.file,
            rule=self.rule,
            bucket=up.bucket if up else "",
            key=up.key if up else "",
            sha256=up.sha256 if up else "",
        )

    async def _jenkins(self, step: StepPlan) -> StepOutcome:
        from workflows.steps import StepOutcome, Undo, _classified

        opts = step.options
        request = JenkinsRequest(
            context=self.context(),
            server=str(opts.get("server", "default")),
            job=str(opts["job"]),
            params={k: str(v) for k, v in dict(opts.get("params") or {}).items()},
            wait=bool(opts.get("wait", True)),
            unstable_ok=opts.get("unstable") == "success",
            poll_interval_s=float(opts.get("poll_interval", 2.0)),
            presign_expiry_s=float(opts.get("presign_expiry", 3600.0)),
            resume=self._builds.get(step.name),
        )
        try:
            result = await workflow.execute_activity_method(
                JenkinsActivities.run_build,
                request,
                summary=f"{step.name}: Jenkins job {request.job} for {self.where()}",
                start_to_close_timeout=timedelta(seconds=step.timeout_s),
                heartbeat_timeout=timedelta(seconds=step.heartbeat_timeout_s),
                retry_policy=ONE_ATTEMPT,
                cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        except ActivityError as err:
            if isinstance(err.cause, ApplicationError) and err.cause.type == "cancelled":
                # cancelled mid-build: the activity stopped the build and says which it was
                self.cancelled_summaries[step.name] = _summary_of(err, None) or {}
                raise asyncio.CancelledError(err.cause.message) from err
            build = _build_of(err)
            if build is not None:
                self._builds[step.name] = build
            summary = _summary_of(err, build)
            if summary is None or is_cancelled_exception(err):
                raise
            failed = _classified(err.cause or err)
            failed.details = summary  # the failed attempt records the build it got to
            raise failed from err
        self._builds.pop(step.name, None)
        summary = build_summary(result.build, result.result or "triggered")
        return StepOutcome(summary, undo=[Undo(step.name, "stop_build", result.build)])

    def jenkins_cleanup(self, step: StepPlan) -> list[Any]:
        """A jenkins step that gives up stops the build its last attempt left running."""
        from workflows.steps import Undo

        build = self._builds.pop(step.name, None)
        return [Undo(step.name, "stop_build", build)] if build else []

    async def _webhook(self, step: StepPlan) -> StepOutcome:
        from workflows.steps import StepOutcome

        opts = step.options
        request = WebhookRequest(
            context=self.context(),
            method=str(opts.get("method", "POST")),
            url=str(opts.get("url", "")),
            channel=str(opts.get("channel", "")),
            headers=dict(opts.get("headers") or {}),
            body=opts.get("body"),
            presign_expiry_s=float(opts.get("presign_expiry", 3600.0)),
            request_timeout_s=min(float(opts.get("request_timeout", 30.0)), step.timeout_s),
        )
        result = await workflow.execute_activity_method(
            WebhookActivities.call_webhook,
            request,
            summary=f"{step.name}: webhook {request.channel or request.method} for {self.where()}",
            start_to_close_timeout=timedelta(seconds=step.timeout_s),
            retry_policy=ONE_ATTEMPT,
        )
        return StepOutcome({"status": str(result.status), "response": result.body_excerpt})

    async def _script(self, step: StepPlan) -> StepOutcome:
        from workflows.steps import StepOutcome

        opts = step.options
        request = ScriptRequest(
            context=self.context(),
            command=[str(arg) for arg in opts["command"]],
            timeout_s=step.timeout_s,
            cwd=str(opts.get("cwd") or ""),
            env={k: str(v) for k, v in dict(opts.get("env") or {}).items()},
            max_output_bytes=int(opts.get("max_output", 8192)),
        )
        result = await workflow.execute_activity_method(
            ScriptActivities.run_script,
            request,
            summary=f"{step.name}: script {request.command[0]} for {self.where()}",
            task_queue=self.input.host_queue,
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

    async def _analyze(self, step: StepPlan) -> StepOutcome:
        from workflows.steps import StepOutcome

        file, opts = self.input.file, step.options
        excerpt = await workflow.execute_activity_method(
            ExcerptActivities.extract_excerpt,
            ExcerptRequest(
                root=file.root,
                rel_path=file.rel_path,
                expected_size=file.size,
                expected_mtime_ns=file.mtime_ns,
                max_lines=int(opts.get("max_lines", 400)),
                max_bytes=int(opts.get("max_bytes", 32 * 1024)),
                context_lines=int(opts.get("context_lines", 5)),
                mask_emails=bool(opts.get("mask_emails", False)),
            ),
            task_queue=self.input.host_queue,
            summary=f"{step.name}: excerpt of {self.where()}",
            start_to_close_timeout=timedelta(seconds=min(step.timeout_s, 600)),
            retry_policy=ONE_ATTEMPT,
        )
        analysis = await workflow.execute_activity_method(
            AnalyzeActivities.analyze_excerpt,
            AnalyzeRequest(
                file_name=file.name,
                excerpt=excerpt,
                language=str(opts.get("language", "en")),
                prompt=str(opts.get("prompt", "")),
            ),
            summary=f"{step.name}: analysis of {self.where()}",
            start_to_close_timeout=timedelta(seconds=step.timeout_s),
            retry_policy=ONE_ATTEMPT,
        )
        self.analysis = analysis
        return StepOutcome(analysis_summary(analysis))

    async def _notify(self, step: StepPlan) -> StepOutcome:
        from workflows.steps import StepOutcome

        request = self.notify_request(step.name, step.options, facts={"status": "running"})
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

    def notify_request(
        self, step: str, opts: dict[str, Any], *, facts: dict[str, str]
    ) -> NotifyRequest:
        return NotifyRequest(
            task_id=workflow.info().workflow_id,
            step=step,
            channels=[str(c) for c in opts["channels"]],
            event=str(opts.get("event", "task_succeeded")),
            facts={"rule": self.rule, **facts},
            context=self.context(),
            analysis=self.analysis if opts.get("include_analysis", True) else None,
            title_template=str(opts.get("title") or ""),
            text_template=str(opts.get("text") or ""),
            mentions=[str(m) for m in opts.get("mentions") or []],
        )

    async def approval_notice(self, step: StepPlan, opts: dict[str, Any]) -> None:
        """Tell the approve step's channels that the file waits for a decision (best effort)."""
        facts = {"status": "waiting_approval", "step": step.name, "timeout": f"{step.timeout_s:g}s"}
        request = self.notify_request(step.name, {**opts, "event": "waiting_approval"}, facts=facts)
        try:
            await workflow.execute_activity_method(
                NotifyActivities.send_notification,
                request,
                summary=f"{step.name}: approval notice to {', '.join(request.channels)}",
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=NOTICE_RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning("approval notice for %s not sent: %s", step.name, err)

    async def failure_notice(self, opts: dict[str, Any], facts: dict[str, str]) -> None:
        """Hand the rule's failure notice to each of its channels (aggregated per channel).

        Best effort: the task has failed already, and a notice that cannot be queued must
        not turn that failure into a workflow error.
        """
        if not opts.get("channels"):
            return
        request = self.notify_request("on_failure", opts, facts={"status": "failed", **facts})
        for channel in request.channels:
            try:
                await workflow.execute_activity_method(
                    NotifyActivities.queue_failure_notice,
                    FailureNotice(channel, request),
                    summary=f"failure notice to {channel}",
                    start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=NOTICE_RETRY,
                )
            except ActivityError as err:
                workflow.logger.warning("failure notice to %s not queued: %s", channel, err)


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
    cause = err.cause
    details: Any = ()
    if isinstance(cause, ApplicationError):
        details = cause.details
    elif isinstance(cause, TimeoutError):
        details = cause.last_heartbeat_details
    return build_ref_from(details[0]) if details else None


def _summary_of(err: ActivityError, running: BuildRef | None) -> dict[str, str] | None:
    """The build a failed jenkins attempt records: a finished build's summary from the
    failure, or the build a timed-out attempt left running."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.details:
        first = cause.details[0]
        if isinstance(first, dict) and "result" in first:
            return {str(k): str(v) for k, v in first.items()}
    return build_summary(running, "running") if running is not None else None
