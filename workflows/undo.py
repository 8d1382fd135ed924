"""Undoing what a step did: its cleanup when it gives up, compensation when the run fails.

Deterministic code only. Each kind of undo is one activity (UNDO_ACTIVITIES), run on the
central queue and retried through an outage of its peer, up to CLEANUP_DEADLINE; a
non-retryable failure (not found, auth) still ends it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.jenkins import JenkinsActivities
    from activities.objects import ObjectActivities
    from sluice.actions import BuildRef
    from sluice.contracts import ObjectRef

CLEANUP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=2)
)
CLEANUP_DEADLINE = timedelta(hours=6)

UndoKind = Literal["delete_object", "abort_uploads", "stop_build"]
UNDO_ACTIVITIES: dict[UndoKind, Any] = {
    "delete_object": ObjectActivities.delete_object,  # a stored object that must not stay
    "abort_uploads": ObjectActivities.abort_uploads,  # an unfinished multipart upload
    "stop_build": JenkinsActivities.stop_build,  # answers whether it stopped the build
}


@dataclass
class Undo:
    """A side effect to reverse: registered by a step, run in reverse order on compensation."""

    step: str
    kind: UndoKind
    ref: ObjectRef | BuildRef

    def summary(self) -> str:
        """What its activity does, for the Temporal UI."""
        ref = self.ref
        if isinstance(ref, BuildRef):
            return f"{self.step}: stop build {ref.job} #{ref.number or '?'}"
        return f"{self.step}: {self.kind.replace('_', ' ')}"

    def done(self, answer: Any) -> dict[str, str]:
        """What running it did, for its step's summary (`answer`: its activity's result)."""
        ref = self.ref
        if isinstance(ref, BuildRef):
            if answer in ("stopped", "dequeued"):
                return {"undone": f"{answer} build {ref.url or ref.queue_url or ref.job}"}
            # it had ended by itself ("finished FAILURE") or was gone: left as it was
            return {"undone": f"nothing to stop: build {ref.url or ref.job} {answer}"}
        did = "deleted" if self.kind == "delete_object" else "aborted unfinished uploads of"
        return {"undone": f"{did} s3://{ref.bucket}/{ref.key}"}


async def run_undo(undo: Undo) -> dict[str, str]:
    """Run one cleanup or compensation until it sticks; what it did (see Undo.done)."""
    answer = await workflow.execute_activity_method(
        UNDO_ACTIVITIES[undo.kind],
        undo.ref,
        summary=undo.summary(),
        start_to_close_timeout=timedelta(minutes=2),
        schedule_to_close_timeout=CLEANUP_DEADLINE,
        retry_policy=CLEANUP_RETRY,
    )
    return undo.done(answer)
