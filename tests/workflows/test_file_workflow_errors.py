"""FileWorkflow's error classes: what a failed step, its task and the run's failure are called."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from tests.workflows.harness import failure_of, file_run, timers
from tests.workflows.stubs import UPLOAD, Block, Stubs, plan_of

CASES = [
    # (pipeline, failing step, its activity, error class the activity raised)
    ([{"upload": UPLOAD}], "upload", "upload_file", "not_found"),
    ([{"upload": UPLOAD}, {"verify": {"read_back": True}}], "verify", "verify_object", "checksum"),
    ([{"jenkins": {"job": "deploy"}}], "jenkins", "jenkins_build", "auth"),
    ([{"webhook": {"url": "https://hooks.test/"}}], "webhook", "call_webhook", "rate_limit"),
    ([{"script": {"command": ["./ingest", "{name}"]}}], "script", "run_script", "action_failed"),
    ([{"analyze": {}}], "analyze", "analyze_excerpt", "invalid_input"),
    ([{"notify": {"channels": ["ops"]}}], "notify", "send_notification", "auth"),
    ([{"archive": {"action": "delete"}}], "archive", "archive_file", "conflict"),
]


@pytest.mark.parametrize(
    ("pipeline", "step", "activity_name", "error_class"), CASES, ids=[c[1] for c in CASES]
)
async def test_the_activitys_error_type_is_the_steps_error_class(
    time_skipping: WorkflowEnvironment,
    pipeline: list[dict[str, Any]],
    step: str,
    activity_name: str,
    error_class: str,
) -> None:
    error = ApplicationError(f"{step} said no", type=error_class, non_retryable=True)
    stubs = Stubs(plan_of(pipeline), {activity_name: [error]})
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
    assert isinstance(failure, ApplicationError)
    assert (failure.type, failure.message) == (error_class, f"step {step} failed: {step} said no")
    assert stubs.step_history(step)[-1] == ("failed", 1, error_class)
    task = stubs.last_task()
    assert (task.status, task.error_class, task.error) == ("failed", error_class, f"{step} said no")


async def test_an_activity_that_times_out_fails_its_attempt_as_timeout(
    time_skipping: WorkflowEnvironment,
) -> None:
    # The test server skips no time while an activity runs: the timeout is short for real.
    retry = {"max_attempts": 2, "initial_interval": "5s"}
    step = {"url": "https://hooks.test/", "timeout": "500ms", "retry": retry}
    stubs = Stubs(plan_of([{"webhook": step}]), {"call_webhook": [Block(), Block()]})
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
        assert await timers(handle) == [5.0]  # a timeout is retried like any transient failure
    assert isinstance(failure, ApplicationError)
    assert failure.type == "timeout"
    assert stubs.step_history("webhook") == [
        ("running", 1, ""),
        ("failed", 1, "timeout"),
        ("running", 2, ""),
        ("failed", 2, "timeout"),
    ]
    assert stubs.step_updates("webhook")[-1].error == "activity timed out (START_TO_CLOSE)"


async def test_an_unclassified_exception_is_recorded_as_unknown(
    time_skipping: WorkflowEnvironment,
) -> None:
    plan = plan_of([{"webhook": {"url": "https://hooks.test/", "retry": {"max_attempts": 1}}}])
    stubs = Stubs(plan, {"call_webhook": [KeyError("status")]})
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
    assert isinstance(failure, ApplicationError)
    assert failure.type == "unknown"
    assert stubs.step_history("webhook")[-1] == ("failed", 1, "unknown")
    assert stubs.step_updates("webhook")[-1].error.startswith("KeyError: ")  # still says what
