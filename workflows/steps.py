"""Which runner makes an attempt of each step type, and which cleanup undoes it: two tables.

Deterministic code only. A runner takes the run, its step and the step's options, which
StepPlan guarantees are its type's options dataclass (sluice/contracts/options.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    TimeoutError,
    is_cancelled_exception,
)

with workflow.unsafe.imports_passed_through():
    from sluice.contracts import StepPlan
    from workflows.action_steps import (
        cleanup_jenkins,
        run_analyze,
        run_jenkins,
        run_notify,
        run_script,
        run_webhook,
    )
    from workflows.attempts import StepFailed, StepOutcome, classified
    from workflows.file_run import FileRun
    from workflows.file_steps import (
        cleanup_upload,
        cleanup_verify,
        run_approve,
        run_archive,
        run_upload,
        run_verify,
    )
    from workflows.undo import Undo

Runner = Callable[[FileRun, StepPlan, Any], Awaitable[StepOutcome]]
Cleanup = Callable[[FileRun, StepPlan, Any, StepFailed | None], list[Undo]]

RUNNERS: dict[str, Runner] = {
    "upload": run_upload,
    "verify": run_verify,
    "approve": run_approve,
    "archive": run_archive,
    "jenkins": run_jenkins,
    "webhook": run_webhook,
    "script": run_script,
    "analyze": run_analyze,
    "notify": run_notify,
}
# What a step that gives up (or is cancelled) leaves to undo at once; other types leave none.
CLEANUPS: dict[str, Cleanup] = {
    "upload": cleanup_upload,
    "verify": cleanup_verify,
    "jenkins": cleanup_jenkins,
}


async def attempt(run: FileRun, step: StepPlan) -> StepOutcome:
    """Run one attempt of `step`; raise StepFailed (classified) if it fails."""
    try:
        return await RUNNERS[step.type](run, step, step.options)
    except ActivityError as err:
        if is_cancelled_exception(err):
            raise
        raise classified(err.cause or err) from err
    except (ApplicationError, TimeoutError) as err:  # a local activity's, unwrapped
        raise classified(err) from err


def cleanup(run: FileRun, step: StepPlan, failed: StepFailed | None) -> list[Undo]:
    """What to undo at once when `step` gives up (or is cancelled, `failed` None)."""
    undo = CLEANUPS.get(step.type)
    return undo(run, step, step.options, failed) if undo else []
