"""How each step type runs inside FileWorkflow: its activity, its queue, its cleanup and undo.

Deterministic code only. Attempts are driven here, not by Temporal's activity retries, so
every attempt is recorded with its error class and duration, and "retrying" is visible.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

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
    from activities.archive import ArchiveActivities
    from activities.jenkins import JenkinsActivities
    from activities.objects import ObjectActivities
    from activities.upload import UploadActivities, progress_from
    from sluice.actions import Analysis, BuildRef
    from sluice.contracts import (
        TRANSIENT_ERROR_CLASSES,
        ApprovalDecision,
        ArchiveRequest,
        FileWorkflowInput,
        ObjectRef,
        RecordBatch,
        StepPlan,
        UploadProgress,
        UploadRequest,
        UploadResult,
        VerifyRequest,
    )
    from sluice.keys import render_key
    from workflows.actions import ONE_ATTEMPT, ActionSteps

# Undoing (abort, delete, stop a build) retries through an outage of its peer, up to
# CLEANUP_DEADLINE; a non-retryable failure (not found, auth) still ends it at once.
CLEANUP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=2)
)
CLEANUP_DEADLINE = timedelta(hours=6)


class StepFailed(Exception):
    """One attempt of a step failed; `retryable` says whether another attempt may help."""

    def __init__(
        self,
        message: str,
        error_class: str,
        *,
        retryable: bool,
        details: Any = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_class = error_class
        self.retryable = retryable
        self.details = details
        self.retry_after_s = retry_after_s  # the server asked to wait this long (Retry-After)


@dataclass
class Undo:
    """A side effect to reverse: registered by a step, run in reverse order on compensation."""

    step: str
    activity: str  # "delete_object" | "abort_uploads" | "stop_build"
    ref: ObjectRef | BuildRef

    def done(self, outcome: str = "stopped") -> dict[str, str]:
        """What running it did (`outcome`: what stop_build answered), for its step's summary."""
        ref = self.ref
        if isinstance(ref, BuildRef):
            if outcome in ("stopped", "dequeued"):
                return {"undone": f"{outcome} build {ref.url or ref.queue_url or ref.job}"}
            # it had ended by itself ("finished FAILURE") or was gone: left as it was
            return {"undone": f"nothing to stop: build {ref.url or ref.job} {outcome}"}
        did = "deleted" if self.activity == "delete_object" else "aborted unfinished uploads of"
        return {"undone": f"{did} s3://{ref.bucket}/{ref.key}"}


@dataclass
class StepOutcome:
    summary: dict[str, str] = field(default_factory=dict)
    undo: list[Undo] = field(default_factory=list)
    recorded: bool = False  # the step's activity also wrote StepRunner.finish


Approver = Callable[[StepPlan], Awaitable[ApprovalDecision]]


class StepRunner(ActionSteps):
    """Runs single attempts of the plan's steps for one file."""

    def __init__(self, inp: FileWorkflowInput, approver: Approver) -> None:
        self.input = inp
        self.upload: UploadResult | None = None
        self.rule = ""
        self.analysis: Analysis | None = None
        # The plan's end, for the next attempt's activity to write if it succeeds; only a
        # local verify can (see VerifyRequest.then). Others leave it to the workflow.
        self.finish: RecordBatch | None = None
        self._approver = approver
        self._resume: dict[str, UploadProgress] = {}
        self._builds: dict[str, BuildRef] = {}
        # What a step cancelled mid-work left behind (a jenkins build), for its record.
        self.cancelled_summaries: dict[str, dict[str, str]] = {}

    async def attempt(self, step: StepPlan) -> StepOutcome:
        """Run one attempt; raise StepFailed (classified) if it fails."""
        runner = getattr(self, f"_{step.type}", None)
        if runner is None:
            raise StepFailed(
                f"step type {step.type!r} is not available", "invalid_input", retryable=False
            )
        try:
            outcome: StepOutcome = await runner(step)
        except ActivityError as err:
            if is_cancelled_exception(err):
                raise
            raise _classified(err.cause or err) from err
        except (ApplicationError, TimeoutError) as err:  # a local activity's, unwrapped
            raise _classified(err) from err
        return outcome

    def cleanup(self, step: StepPlan, failed: StepFailed | None) -> list[Undo]:
        """What to undo at once when `step` gives up (or is cancelled, `failed` None)."""
        if step.type == "upload":
            progress = self._resume.get(step.name)
            try:
                key = progress.key if progress and progress.key else self.upload_key(step)
            except StepFailed:  # the key never rendered, so nothing was uploaded
                return []
            if "{sha256}" not in key:  # else the upload never started: nothing to abort
                return [Undo(step.name, "abort_uploads", ObjectRef(self.bucket(step), key))]
        if step.type == "jenkins":
            return self.jenkins_cleanup(step)
        if step.type == "verify" and failed is not None and failed.error_class == "checksum":
            assert self.upload is not None
            return [
                Undo(step.name, "delete_object", ObjectRef(self.upload.bucket, self.upload.key))
            ]
        return []

    def bucket(self, step: StepPlan) -> str:
        return str(step.options["bucket"])

    def upload_key(self, step: StepPlan) -> str:
        # A rule stored before its key template grew stricter must fail its step, not
        # fail the workflow task over and over.
        try:
            return render_key(str(step.options["key"]), self.input.file)
        except ValueError as err:
            raise StepFailed(f"{step.name}: {err}", "invalid_input", retryable=False) from err

    async def _upload(self, step: StepPlan) -> StepOutcome:
        file, opts = self.input.file, step.options
        request = UploadRequest(
            root=file.root,
            rel_path=file.rel_path,
            expected_size=file.size,
            expected_mtime_ns=file.mtime_ns,
            bucket=self.bucket(step),
            key=self.upload_key(step),
            part_size=int(opts["part_size"]),
            part_concurrency=int(opts.get("part_concurrency", 4)),
            storage_class=str(opts.get("storage_class", "")),
            sse=str(opts.get("sse", "")),
            sse_kms_key_id=str(opts.get("sse_kms_key_id", "")),
            bandwidth_limit=int(opts.get("bandwidth_limit", 0)),
            resume=self._resume.get(step.name),
        )
        try:
            result: UploadResult = await workflow.execute_activity_method(
                UploadActivities.upload_file,
                request,
                summary=f"{step.name}: {self.where()} to s3://{request.bucket}/{request.key}",
                task_queue=self.input.host_queue,
                start_to_close_timeout=timedelta(seconds=step.timeout_s),
                heartbeat_timeout=timedelta(seconds=step.heartbeat_timeout_s),
                retry_policy=ONE_ATTEMPT,
                cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        except ActivityError as err:
            progress = _progress_of(err)
            if progress is not None:
                self._resume[step.name] = progress
            raise
        self.upload = result
        return StepOutcome(
            summary={
                "object": f"s3://{result.bucket}/{result.key}",
                "size": str(result.size),
                "sha256": result.sha256,
                "parts": str(result.parts),
                "resumed_parts": str(result.resumed_parts),
            },
            undo=[Undo(step.name, "delete_object", ObjectRef(result.bucket, result.key))],
        )

    async def _verify(self, step: StepPlan) -> StepOutcome:
        if self.upload is None:
            raise StepFailed(
                "verify needs an upload step before it", "invalid_input", retryable=False
            )
        up = self.upload
        read_back = bool(step.options.get("read_back"))
        request = VerifyRequest(up.bucket, up.key, up.size, up.sha256, read_back)
        timeout = timedelta(seconds=step.timeout_s)
        if not step.is_local():  # read-back streams the object: heartbeats, own task
            result = await workflow.execute_activity_method(
                ObjectActivities.verify_object,
                request,
                summary=f"{step.name}: read back s3://{up.bucket}/{up.key}",
                start_to_close_timeout=timeout,
                heartbeat_timeout=timedelta(seconds=step.heartbeat_timeout_s),
                retry_policy=ONE_ATTEMPT,
            )
        else:  # a HEAD (and a tag lookup for multipart objects)
            request.then, self.finish = self.finish, None
            result = await workflow.execute_local_activity_method(
                ObjectActivities.verify_object,
                request,
                summary=f"{step.name}: s3://{up.bucket}/{up.key}",
                start_to_close_timeout=timeout,
                retry_policy=ONE_ATTEMPT,
            )
        return StepOutcome(summary=result.summary(), recorded=result.recorded)

    async def _archive(self, step: StepPlan) -> StepOutcome:
        file = self.input.file
        result = await workflow.execute_activity_method(
            ArchiveActivities.archive_file,
            ArchiveRequest(
                file.root,
                file.rel_path,
                file.size,
                file.mtime_ns,
                str(step.options["action"]),
                str(step.options.get("to", "")),
            ),
            summary=f"{step.name}: {step.options['action']} {self.where()}",
            task_queue=self.input.host_queue,
            start_to_close_timeout=timedelta(seconds=step.timeout_s),
            retry_policy=ONE_ATTEMPT,
        )
        summary = {"action": result.action}
        if result.moved_to:
            summary["moved_to"] = result.moved_to
        return StepOutcome(summary=summary)

    async def _approve(self, step: StepPlan) -> StepOutcome:
        notice = step.options.get("notify")
        if notice:
            await self.approval_notice(step, notice)
        decision = await self._approver(step)
        summary = {
            "decision": "approved" if decision.approved else "rejected",
            "by": decision.by,
            "comment": decision.comment,
        }
        if not decision.approved:
            raise StepFailed(
                f"rejected by {decision.by}: {decision.comment}".rstrip(": "),
                "rejected",
                retryable=False,
                details=summary,
            )
        return StepOutcome(summary=summary)


async def run_undo(undo: Undo) -> str:
    """Run one cleanup or compensation on the central queue, retrying until it sticks; a
    build's answer says whether it was stopped (see Undo.done)."""
    if isinstance(undo.ref, BuildRef):
        return await workflow.execute_activity_method(
            JenkinsActivities.stop_build,
            undo.ref,
            summary=f"{undo.step}: stop build {undo.ref.job} #{undo.ref.number or '?'}",
            start_to_close_timeout=timedelta(minutes=2),
            schedule_to_close_timeout=CLEANUP_DEADLINE,
            retry_policy=CLEANUP_RETRY,
        )
    method: Any = {
        "delete_object": ObjectActivities.delete_object,
        "abort_uploads": ObjectActivities.abort_uploads,
    }[undo.activity]
    await workflow.execute_activity_method(
        method,
        undo.ref,
        summary=f"{undo.step}: {undo.activity.replace('_', ' ')}",
        start_to_close_timeout=timedelta(minutes=2),
        schedule_to_close_timeout=CLEANUP_DEADLINE,
        retry_policy=CLEANUP_RETRY,
    )
    return "stopped"


def gave_up(failed: StepFailed, step: StepPlan, attempt: int, elapsed_s: float) -> None:
    """Say so in `failed` if it is an outage that outlasted the step's retry deadline: the
    task stays `failed` with its transient error class, and a retry may well succeed."""
    transient = failed.error_class in TRANSIENT_ERROR_CLASSES
    if not transient or not failed.retryable or failed.error_class in step.retry.non_retryable:
        return
    task_id = workflow.info().workflow_id
    failed.message = (
        f"{failed.message} (still {failed.error_class} after {attempt} attempts over "
        f"{elapsed_s / 3600:.1f} h, past the retry deadline; the file is intact: "
        f"POST /api/v1/tasks/{task_id}:retry runs it again)"
    )


def _classified(cause: BaseException) -> StepFailed:
    if isinstance(cause, ApplicationError):
        delay = cause.next_retry_delay
        return StepFailed(
            cause.message,
            cause.type or "unknown",
            retryable=not cause.non_retryable,
            retry_after_s=delay.total_seconds() if delay else None,
        )
    if isinstance(cause, TimeoutError):
        return StepFailed(
            f"activity timed out ({cause.type.name if cause.type else 'timeout'})",
            "timeout",
            retryable=True,
        )
    return StepFailed(str(cause), "unknown", retryable=True)


def _progress_of(err: ActivityError) -> UploadProgress | None:
    """Upload progress carried by a failure: its details, or a timed-out heartbeat's."""
    cause = err.cause
    details: Any = ()
    if isinstance(cause, ApplicationError):
        details = cause.details
    elif isinstance(cause, TimeoutError):
        details = cause.last_heartbeat_details
    if details and details[0]:
        return progress_from(details[0])
    return None
