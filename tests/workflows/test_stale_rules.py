"""A rule stored before its templates grew stricter fails its step, never the workflow task."""

from __future__ import annotations

import pytest

from sluice.contracts import (
    ApprovalDecision,
    ApproveOptions,
    DetectedFile,
    FileWorkflowInput,
    StepPlan,
    UploadOptions,
)
from workflows import steps
from workflows.attempts import StepFailed
from workflows.file_run import FileRun
from workflows.file_steps import upload_key
from workflows.recorder import RunRecorder


async def _never_asked(step: StepPlan, options: ApproveOptions) -> ApprovalDecision:
    raise AssertionError("no approval expected")


def _run() -> FileRun:
    file = DetectedFile("agent-1", "host-1", "/data", "dumps/a.hprof", 10, 1, "2026-12-06T00:00:00")
    inp = FileWorkflowInput(file=file, host_queue="sluice-host-agent-1")
    return FileRun(inp, RunRecorder(), _never_asked)


@pytest.mark.parametrize("key", ["{name.__class__}", "{relpath:>99999999}", "{nope}/{name}"])
def test_a_stored_key_template_now_refused_fails_the_step_as_invalid_input(key: str) -> None:
    run = _run()
    options = UploadOptions(bucket="b", key=key)
    step = StepPlan(name="upload", type="upload", options=options)

    with pytest.raises(StepFailed) as failed:
        upload_key(run, step, options)

    assert failed.value.error_class == "invalid_input"
    assert not failed.value.retryable
    assert "upload" in failed.value.message
    assert steps.cleanup(run, step, failed.value) == []  # the upload never started
