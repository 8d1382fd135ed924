"""FileWorkflow: one finished file, uploaded on its host, verified, recorded. Deterministic only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from activities.upload import UploadActivities
    from activities.verify import VerifyActivities
    from sluice.contracts import (
        FileWorkflowInput,
        FileWorkflowResult,
        StepUpdate,
        TaskUpdate,
        UploadRequest,
        UploadResult,
        VerifyRequest,
        VerifyResult,
    )
    from sluice.keys import render_key

T = TypeVar("T")

STATUS = SearchAttributeKey.for_keyword("SluiceStatus")

UPLOAD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=8,
)
VERIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
)
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


@workflow.defn
class FileWorkflow:
    def __init__(self) -> None:
        self._step = "pending"

    @workflow.query
    def progress(self) -> dict[str, str]:
        return {"step": self._step}

    @workflow.run
    async def run(self, inp: FileWorkflowInput) -> FileWorkflowResult:
        info = workflow.info()
        file = inp.file
        await self._record_task(TaskUpdate(info.workflow_id, "running", info.run_id, file=file))
        try:
            key = render_key(inp.key_template, file)
        except ValueError as exc:
            return await self._fail(str(exc), "invalid_input")
        try:
            upload: UploadResult = await self._run_step(
                "upload",
                lambda: workflow.execute_activity_method(
                    UploadActivities.upload_file,
                    UploadRequest(
                        root=file.root,
                        rel_path=file.rel_path,
                        expected_size=file.size,
                        expected_mtime_ns=file.mtime_ns,
                        bucket=inp.bucket,
                        key=key,
                        part_size=inp.part_size,
                        part_concurrency=inp.part_concurrency,
                    ),
                    task_queue=inp.host_queue,
                    start_to_close_timeout=timedelta(hours=2),
                    heartbeat_timeout=timedelta(seconds=60),
                    retry_policy=UPLOAD_RETRY,
                ),
            )
            await self._run_step(
                "verify",
                lambda: workflow.execute_activity_method(
                    VerifyActivities.verify_object,
                    VerifyRequest(upload.bucket, upload.key, upload.size, upload.sha256),
                    start_to_close_timeout=timedelta(minutes=30),
                    heartbeat_timeout=timedelta(seconds=60),
                    retry_policy=VERIFY_RETRY,
                ),
            )
        except ActivityError as err:
            return await self._fail(*_describe(err))
        await self._record_task(
            TaskUpdate(
                info.workflow_id,
                "succeeded",
                info.run_id,
                bucket=upload.bucket,
                key=upload.key,
                sha256=upload.sha256,
            )
        )
        workflow.upsert_search_attributes([STATUS.value_set("succeeded")])
        return FileWorkflowResult(
            "succeeded", upload.bucket, upload.key, upload.sha256, upload.size
        )

    async def _run_step(self, name: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run one step, recording when it starts, how it ended and how long it took."""
        self._step = name
        task_id = workflow.info().workflow_id
        await self._record_step(StepUpdate(task_id, name, name, "running"))
        started = workflow.now()
        try:
            result = await call()
        except ActivityError as err:
            error, error_class = _describe(err)
            await self._record_step(
                StepUpdate(
                    task_id,
                    name,
                    name,
                    "failed",
                    duration_ms=_elapsed_ms(started),
                    error=error,
                    error_class=error_class,
                )
            )
            raise
        await self._record_step(
            StepUpdate(
                task_id,
                name,
                name,
                "succeeded",
                attempt=getattr(result, "attempt", 1),
                duration_ms=_elapsed_ms(started),
                summary=_summary(result),
            )
        )
        return result

    async def _fail(self, error: str, error_class: str) -> FileWorkflowResult:
        info = workflow.info()
        await self._record_task(
            TaskUpdate(
                info.workflow_id, "failed", info.run_id, error=error, error_class=error_class
            )
        )
        workflow.upsert_search_attributes([STATUS.value_set("failed")])
        raise ApplicationError(
            f"{self._step} failed: {error}", type=error_class, non_retryable=True
        )

    async def _record_task(self, update: TaskUpdate) -> None:
        await workflow.execute_local_activity_method(
            RecordActivities.record_task,
            update,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RECORD_RETRY,
        )

    async def _record_step(self, update: StepUpdate) -> None:
        await workflow.execute_local_activity_method(
            RecordActivities.record_step,
            update,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RECORD_RETRY,
        )


def _elapsed_ms(started: Any) -> int:
    return int((workflow.now() - started).total_seconds() * 1000)


def _describe(err: ActivityError) -> tuple[str, str]:
    """The message and error class of an activity failure (its ApplicationError type)."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return cause.message, cause.type or "unknown"
    return str(cause or err), "timeout" if "timeout" in type(cause).__name__.lower() else "unknown"


def _summary(result: UploadResult | VerifyResult | Any) -> dict[str, str]:
    if isinstance(result, UploadResult):
        return {
            "object": f"s3://{result.bucket}/{result.key}",
            "size": str(result.size),
            "sha256": result.sha256,
            "parts": str(result.parts),
            "resumed_parts": str(result.resumed_parts),
        }
    if isinstance(result, VerifyResult):
        return {"sha256": result.sha256, "size": str(result.size)}
    return {}
