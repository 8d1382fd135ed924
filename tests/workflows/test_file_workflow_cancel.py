"""Cancelling FileWorkflow during each step type: the run ends cancelled, undoes what the earlier
steps did, cleans up after the cancelled one, and records `cancelled`."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.testing import WorkflowEnvironment

from sluice.contracts import ObjectRef
from tests.workflows.harness import eventually, failure_of, file_run
from tests.workflows.stubs import UPLOAD, Block, Stubs, plan_of

STORED = ObjectRef("unit-bucket", "logs/app.log")
UNDO = ("delete_object", "abort_uploads", "jenkins_stop")
# What the jenkins activity answers when cancelled mid-build: it stops the build itself.
STOPPED = {"job": "deploy", "build": "9", "url": "http://jenkins.test/job/deploy/9/"}
JENKINS_CANCELLED = ApplicationError(
    "cancelled; stopped: build http://jenkins.test/job/deploy/9/",
    {**STOPPED, "result": "ABORTED"},
    type="cancelled",
    non_retryable=True,
)
UPLOADED = [{"upload": UPLOAD}]

CASES: list[tuple[str, list[dict[str, Any]], str | None, Any]] = [
    # (cancelled step, pipeline, the activity it blocks in (None: it waits for a person),
    #  its own cleanup (None: nothing, so the earlier upload is what gets undone))
    ("upload", UPLOADED, "upload_file", ("abort_uploads", STORED)),
    ("verify", [*UPLOADED, {"verify": {"read_back": True}}], "verify_object", None),
    ("jenkins", [*UPLOADED, {"jenkins": {"job": "deploy"}}], "jenkins_build", None),
    ("webhook", [*UPLOADED, {"webhook": {"url": "https://hooks.test/"}}], "call_webhook", None),
    ("script", [*UPLOADED, {"script": {"command": ["./ingest"]}}], "run_script", None),
    ("analyze", [*UPLOADED, {"analyze": {}}], "extract_excerpt", None),
    ("notify", [*UPLOADED, {"notify": {"channels": ["ops"]}}], "send_notification", None),
    ("approve", [*UPLOADED, {"approve": {"timeout": "1h"}}], None, None),
]


@pytest.mark.parametrize(
    ("step", "pipeline", "blocked", "cleanup"), CASES, ids=[c[0] for c in CASES]
)
async def test_a_run_cancelled_during_a_step_ends_cancelled_and_undoes_its_work(
    time_skipping: WorkflowEnvironment,
    step: str,
    pipeline: list[dict[str, Any]],
    blocked: str | None,
    cleanup: tuple[str, ObjectRef] | None,
) -> None:
    script = {}
    if blocked is not None:
        script[blocked] = [Block(JENKINS_CANCELLED if step == "jenkins" else None)]
    stubs = Stubs(plan_of(pipeline), script)
    async with file_run(time_skipping, stubs) as handle:
        if blocked is None:
            await eventually(lambda: "waiting_approval" in stubs.task_statuses())
        else:
            await eventually(stubs.blocked.is_set)
        await handle.cancel()
        assert isinstance(await failure_of(handle), CancelledError)

    # the cancelled step's own cleanup (an upload's parts), else the earlier upload, undone
    undo = cleanup or ("delete_object", STORED)
    assert stubs.called(*UNDO) == [undo]
    assert stubs.step_history(step)[:2] == [("running", 1, ""), ("cancelled", 1, "cancelled")]
    if step == "jenkins":  # the record names the build the activity stopped
        assert stubs.step_updates(step)[1].summary == {**STOPPED, "result": "ABORTED"}
    undone = stubs.step_updates("upload")[-1]
    did = "deleted" if undo[0] == "delete_object" else "aborted unfinished uploads of"
    assert (undone.status, undone.summary) == (
        "compensated",
        {"undone": f"{did} s3://unit-bucket/logs/app.log"},
    )
    task = stubs.last_task()
    assert (task.status, task.error_class) == ("cancelled", "cancelled")
    assert stubs.batches[-1].task is task  # nothing is written after the task's end
    if blocked is not None:
        assert len(stubs.called(blocked)) == 1  # a cancelled step is not retried


async def test_an_undo_after_a_retried_attempt_is_recorded_after_that_attempt(
    time_skipping: WorkflowEnvironment,
) -> None:
    down = ApplicationError("S3 unreachable", type="network")
    stubs = Stubs(plan_of(UPLOADED), {"upload_file": [down, Block(None)]})
    async with file_run(time_skipping, stubs) as handle:
        await eventually(stubs.blocked.is_set)
        await handle.cancel()
        assert isinstance(await failure_of(handle), CancelledError)

    assert stubs.called(*UNDO) == [("abort_uploads", STORED)]
    assert stubs.step_history("upload") == [
        ("running", 1, ""),
        ("failed", 1, "network"),
        ("running", 2, ""),
        ("cancelled", 2, "cancelled"),
        ("compensated", 3, ""),  # its own entry: attempt 2 stays recorded as cancelled
    ]


ARCHIVED = [*UPLOADED, {"archive": {"action": "delete"}}]


async def test_a_run_cancelled_during_archive_keeps_the_stored_object(
    time_skipping: WorkflowEnvironment,
) -> None:
    """The archive may already have deleted the source: the object is the file's only copy."""
    stubs = Stubs(plan_of(ARCHIVED), {"archive_file": [Block(None)]})
    async with file_run(time_skipping, stubs) as handle:
        await eventually(stubs.blocked.is_set)
        await handle.cancel()
        assert isinstance(await failure_of(handle), CancelledError)

    assert stubs.called(*UNDO) == []
    assert stubs.step_history("archive")[-1] == ("cancelled", 1, "cancelled")
    assert [s for s, _, _ in stubs.step_history("upload")] == ["running", "succeeded"]
    assert stubs.last_task().status == "cancelled"


async def test_compensation_after_an_archive_keeps_the_stored_object(
    time_skipping: WorkflowEnvironment,
) -> None:
    failing = {
        "url": "https://hooks.test/",
        "on_failure": "compensate",
        "retry": {"max_attempts": 1},
    }
    stubs = Stubs(
        plan_of([*ARCHIVED, {"webhook": failing}]),
        {"call_webhook": [ApplicationError("refused", type="action_failed", non_retryable=True)]},
    )
    async with file_run(time_skipping, stubs) as handle:
        assert isinstance(await failure_of(handle), ApplicationError)

    assert stubs.called("archive_file") and stubs.called(*UNDO) == []
    assert stubs.last_task().status == "failed"
