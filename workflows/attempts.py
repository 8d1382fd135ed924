"""One attempt of a step: what it leaves behind (StepOutcome), or how it failed (StepFailed).

Deterministic code only. FileWorkflow drives the attempts, not Temporal's activity retries
(each step's activity runs ONE_ATTEMPT), so every attempt is recorded with its error class
and duration, and "retrying" is visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

with workflow.unsafe.imports_passed_through():
    from sluice.contracts import ERROR_CLASSES, TRANSIENT_ERROR_CLASSES, StepPlan
    from workflows.undo import Undo

ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)


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
class StepOutcome:
    summary: dict[str, str] = field(default_factory=dict)
    undo: list[Undo] = field(default_factory=list)
    recorded: bool = False  # the step's activity also wrote the run's end (see recorder.py)


def classified(cause: BaseException) -> StepFailed:
    """An activity's failure as a failed attempt, with the error class it was raised with."""
    if isinstance(cause, ApplicationError):
        delay = cause.next_retry_delay
        if cause.type in ERROR_CLASSES:
            error_class, message = cause.type, cause.message
        else:  # an exception the activity did not classify: the SDK types it by its class
            error_class, message = "unknown", f"{cause.type or 'error'}: {cause.message}"
        return StepFailed(
            message,
            error_class,
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


def progress_details(err: ActivityError) -> Any:
    """What a failed attempt left to resume from: the activity's failure details, or the
    last heartbeat's when it timed out (the first value, or None)."""
    cause = err.cause
    details: Any = ()
    if isinstance(cause, ApplicationError):
        details = cause.details
    elif isinstance(cause, TimeoutError):
        details = cause.last_heartbeat_details
    return details[0] if details else None


def gave_up(failed: StepFailed, step: StepPlan, attempt: int, elapsed_s: float) -> None:
    """Say so in `failed` if it is an outage that outlasted the step's retry deadline: the
    task stays `failed` with its transient error class, and a retry may well succeed."""
    transient = failed.error_class in TRANSIENT_ERROR_CLASSES
    if not transient or not failed.retryable or failed.error_class in step.retry.non_retryable:
        return
    task_id = workflow.info().workflow_id
    retry = step.retry
    limit = "past the retry deadline" if retry.deadline_s > 0 else "the step's max_attempts"
    failed.message = (
        f"{failed.message} (still {failed.error_class} after {attempt} attempts over "
        f"{elapsed_s / 3600:.1f} h, {limit}; the file is intact: "
        f"POST /api/v1/tasks/{task_id}:retry runs it again)"
    )
