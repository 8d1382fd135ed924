"""A rule stored before its templates grew stricter fails its step, never the workflow task."""

from __future__ import annotations

import pytest

from sluice.contracts import DetectedFile, FileWorkflowInput, StepPlan
from workflows.steps import StepFailed, StepRunner


async def _never_asked(step: StepPlan) -> object:
    raise AssertionError("no approval expected")


def _runner() -> StepRunner:
    file = DetectedFile("agent-1", "host-1", "/data", "dumps/a.hprof", 10, 1, "2026-12-06T00:00:00")
    return StepRunner(FileWorkflowInput(file=file, host_queue="sluice-host-agent-1"), _never_asked)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["{name.__class__}", "{relpath:>99999999}", "{nope}/{name}"])
def test_a_stored_key_template_now_refused_fails_the_step_as_invalid_input(key: str) -> None:
    runner = _runner()
    step = StepPlan(name="upload", type="upload", options={"bucket": "b", "key": key})

    with pytest.raises(StepFailed) as failed:
        runner.upload_key(step)

    assert failed.value.error_class == "invalid_input"
    assert not failed.value.retryable
    assert "upload" in failed.value.message
    assert runner.cleanup(step, failed.value) == []  # the upload never started
