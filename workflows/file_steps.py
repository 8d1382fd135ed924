"""How the file steps run inside FileWorkflow: upload, verify, archive, approve.

Deterministic code only. Each runner makes one attempt of its step with the step's typed
options; a cleanup says what to undo at once when its step gives up (workflows/steps.py
holds the tables).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from activities.archive import ArchiveActivities
    from activities.objects import ObjectActivities
    from activities.upload import UploadActivities, progress_from
    from sluice.contracts import (
        ApproveOptions,
        ArchiveOptions,
        ArchiveRequest,
        ObjectRef,
        StepPlan,
        UploadOptions,
        UploadProgress,
        UploadRequest,
        UploadResult,
        VerifyOptions,
        VerifyRequest,
    )
    from sluice.keys import render_key
    from workflows.attempts import ONE_ATTEMPT, StepFailed, StepOutcome, progress_details
    from workflows.file_run import FileRun
    from workflows.task_notices import approval_notice
    from workflows.undo import Undo


def upload_key(run: FileRun, step: StepPlan, options: UploadOptions) -> str:
    """The object key for `run`'s file. A rule stored before its key template grew stricter
    fails its step, not the workflow task over and over."""
    try:
        return render_key(options.key, run.input.file)
    except ValueError as err:
        raise StepFailed(f"{step.name}: {err}", "invalid_input", retryable=False) from err


async def run_upload(run: FileRun, step: StepPlan, options: UploadOptions) -> StepOutcome:
    file = run.input.file
    request = UploadRequest(
        root=file.root,
        rel_path=file.rel_path,
        expected_size=file.size,
        expected_mtime_ns=file.mtime_ns,
        bucket=options.bucket,
        key=upload_key(run, step, options),
        part_size=options.part_size,
        part_concurrency=options.part_concurrency,
        storage_class=options.storage_class or "",
        sse=options.sse or "",
        sse_kms_key_id=options.sse_kms_key_id or "",
        bandwidth_limit=options.bandwidth_limit,
        resume=run.resume.get(step.name),
    )
    try:
        result: UploadResult = await workflow.execute_activity_method(
            UploadActivities.upload_file,
            request,
            summary=f"{step.name}: {run.where()} to s3://{request.bucket}/{request.key}",
            task_queue=run.input.host_queue,
            start_to_close_timeout=timedelta(seconds=step.timeout_s),
            heartbeat_timeout=timedelta(seconds=step.heartbeat_timeout_s),
            retry_policy=ONE_ATTEMPT,
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
    except ActivityError as err:
        progress = _progress_of(err)
        if progress is not None:
            run.resume[step.name] = progress
        raise
    run.upload = result
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


def cleanup_upload(
    run: FileRun, step: StepPlan, options: UploadOptions, failed: StepFailed | None
) -> list[Undo]:
    """An upload that gives up aborts what its attempts left unfinished."""
    progress = run.resume.get(step.name)
    try:
        key = progress.key if progress and progress.key else upload_key(run, step, options)
    except StepFailed:  # the key never rendered, so nothing was uploaded
        return []
    if "{sha256}" in key:  # the upload never started: nothing to abort
        return []
    return [Undo(step.name, "abort_uploads", ObjectRef(options.bucket, key))]


async def run_verify(run: FileRun, step: StepPlan, options: VerifyOptions) -> StepOutcome:
    if run.upload is None:
        raise StepFailed("verify needs an upload step before it", "invalid_input", retryable=False)
    up = run.upload
    request = VerifyRequest(up.bucket, up.key, up.size, up.sha256, options.read_back)
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
    else:  # a HEAD (and a tag lookup for multipart objects); the last step writes the end
        request.then = run.records.end_if_last(step, **run.stored())
        result = await workflow.execute_local_activity_method(
            ObjectActivities.verify_object,
            request,
            summary=f"{step.name}: s3://{up.bucket}/{up.key}",
            start_to_close_timeout=timeout,
            retry_policy=ONE_ATTEMPT,
        )
    return StepOutcome(summary=result.summary(), recorded=result.recorded)


def cleanup_verify(
    run: FileRun, step: StepPlan, options: VerifyOptions, failed: StepFailed | None
) -> list[Undo]:
    """An object that failed its checksum must not stay."""
    if failed is None or failed.error_class != "checksum" or run.upload is None:
        return []
    return [Undo(step.name, "delete_object", ObjectRef(run.upload.bucket, run.upload.key))]


async def run_archive(run: FileRun, step: StepPlan, options: ArchiveOptions) -> StepOutcome:
    file = run.input.file
    result = await workflow.execute_activity_method(
        ArchiveActivities.archive_file,
        ArchiveRequest(
            file.root, file.rel_path, file.size, file.mtime_ns, options.action, options.to
        ),
        summary=f"{step.name}: {options.action} {run.where()}",
        task_queue=run.input.host_queue,
        start_to_close_timeout=timedelta(seconds=step.timeout_s),
        retry_policy=ONE_ATTEMPT,
    )
    summary = {"action": result.action}
    if result.moved_to:
        summary["moved_to"] = result.moved_to
    return StepOutcome(summary=summary)


async def run_approve(run: FileRun, step: StepPlan, options: ApproveOptions) -> StepOutcome:
    if options.notify is not None:
        await approval_notice(run, step, options.notify)
    decision = await run.approver(step, options)
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


def _progress_of(err: ActivityError) -> UploadProgress | None:
    """Upload progress carried by a failure: its details, or a timed-out heartbeat's."""
    details = progress_details(err)
    return progress_from(details) if details else None
