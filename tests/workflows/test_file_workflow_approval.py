"""FileWorkflow's approve step: a person's decision through the `decide` update, or the
step's `default` when its timeout passes first (skipped by the test server, read from the timer)."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.testing import WorkflowEnvironment

from sluice.contracts import ApprovalDecision, ObjectRef
from tests.workflows.harness import FileHandle, eventually, failure_of, file_run, timers
from tests.workflows.stubs import UPLOAD, Block, Stubs, plan_of
from workflows.file_workflow import FileWorkflow

TWO_HOURS = 7200.0


def approval(script: dict[str, list[Any]] | None = None, **options: Any) -> Stubs:
    """Upload, then wait up to 2 h for a decision, then archive the source."""
    approve = {"timeout": "2h", "on_failure": "compensate", **options}
    pipeline = [{"upload": UPLOAD}, {"approve": approve}, {"archive": {"action": "delete"}}]
    return Stubs(plan_of(pipeline), script)


async def waiting(handle: FileHandle, stubs: Stubs) -> None:
    await eventually(lambda: "waiting_approval" in stubs.task_statuses())
    progress = await handle.query(FileWorkflow.progress)
    assert (progress.status, progress.waiting_for_approval) == ("waiting_approval", "approve")


async def test_an_approval_lets_the_run_go_on(time_skipping: WorkflowEnvironment) -> None:
    stubs = approval()
    async with file_run(time_skipping, stubs) as handle:
        await waiting(handle, stubs)
        decided = ApprovalDecision(True, "ann", "checked the totals")
        assert await handle.execute_update(FileWorkflow.decide, decided) == "approve"
        assert (await handle.result()).status == "succeeded"
        assert await timers(handle) == [TWO_HOURS]  # the timeout it would have waited
    [approved] = [s for s in stubs.step_updates("approve") if s.status == "succeeded"]
    assert approved.summary == {
        "decision": "approved",
        "by": "ann",
        "comment": "checked the totals",
    }
    assert [name for name, _ in stubs.called("archive_file", "delete_object")] == ["archive_file"]
    assert stubs.task_statuses() == ["running", "waiting_approval", "running", "succeeded"]


async def test_a_rejection_fails_the_step_as_rejected(time_skipping: WorkflowEnvironment) -> None:
    stubs = approval()
    async with file_run(time_skipping, stubs) as handle:
        await waiting(handle, stubs)
        await handle.execute_update(
            FileWorkflow.decide, ApprovalDecision(False, "bob", "wrong file")
        )
        failure = await failure_of(handle)
    assert isinstance(failure, ApplicationError)
    assert (failure.type, failure.message) == (
        "rejected",
        "step approve failed: rejected by bob: wrong file",
    )
    assert stubs.step_history("approve")[-1] == ("failed", 1, "rejected")
    assert stubs.step_updates("approve")[-1].summary["by"] == "bob"
    # on_failure: compensate, and the archive never ran
    assert stubs.called("archive_file", "delete_object") == [
        ("delete_object", ObjectRef("unit-bucket", "logs/app.log"))
    ]
    assert (stubs.last_task().status, stubs.last_task().error_class) == ("failed", "rejected")


@pytest.mark.parametrize("default", ["approve", "reject"])
async def test_without_a_decision_the_steps_default_decides_at_its_timeout(
    time_skipping: WorkflowEnvironment, default: str
) -> None:
    stubs = approval(default=default)
    async with file_run(time_skipping, stubs) as handle:
        await waiting(handle, stubs)
        if default == "approve":
            assert (await handle.result()).status == "succeeded"
        else:
            failure = await failure_of(handle)
            assert isinstance(failure, ApplicationError) and failure.type == "rejected"
        assert await timers(handle) == [TWO_HOURS]
    decision = [s for s in stubs.step_updates("approve") if s.summary][-1].summary
    assert decision == {
        "decision": "approved" if default == "approve" else "rejected",
        "by": "timeout",
        "comment": "no decision within 7200s",
    }
    assert len(stubs.called("archive_file")) == (default == "approve")


async def test_a_decision_is_refused_while_no_step_waits(
    time_skipping: WorkflowEnvironment,
) -> None:
    stubs = approval({"upload_file": [Block()]})
    async with file_run(time_skipping, stubs) as handle:
        await eventually(stubs.blocked.is_set)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(FileWorkflow.decide, ApprovalDecision(True, "ann"))
        assert "not waiting for approval (status running)" in str(refused.value.cause)
        await handle.cancel()
        assert isinstance(await failure_of(handle), CancelledError)
    assert "waiting_approval" not in stubs.task_statuses()


async def test_the_waiting_step_announces_itself_first(time_skipping: WorkflowEnvironment) -> None:
    stubs = approval(notify={"channels": ["ops"]})
    async with file_run(time_skipping, stubs) as handle:
        await waiting(handle, stubs)
        [(_, notice)] = stubs.called("send_notification")
        assert (notice.event, notice.channels, notice.facts["timeout"]) == (
            "waiting_approval",
            ["ops"],
            "7200s",
        )
        await handle.execute_update(FileWorkflow.decide, ApprovalDecision(True, "ann"))
        assert (await handle.result()).status == "succeeded"
