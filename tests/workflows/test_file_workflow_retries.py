"""FileWorkflow's retries: the step's backoff, a server's Retry-After, giving up, recorded attempts.

Delays are read from the run's timers (its history), not the clock: the test server skips them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from sluice.contracts import FileWorkflowResult
from tests.workflows.harness import failure_of, file_run, timers
from tests.workflows.stubs import Stubs, plan_of

URL = "https://hooks.test/file"


def webhook(retry: dict[str, object]) -> list[dict[str, object]]:
    return [{"webhook": {"url": URL, "retry": retry}}]


def failures(error_class: str, count: int) -> list[ApplicationError]:
    return [ApplicationError(f"{error_class} #{n + 1}", type=error_class) for n in range(count)]


async def test_each_retry_waits_the_steps_backoff_and_every_attempt_is_recorded(
    time_skipping: WorkflowEnvironment,
) -> None:
    plan = plan_of(webhook({"initial_interval": "2s", "backoff": 3, "max_interval": "30s"}))
    stubs = Stubs(plan, {"call_webhook": failures("conflict", 4)})
    async with file_run(time_skipping, stubs) as handle:
        assert await handle.result() == FileWorkflowResult("succeeded")
        assert await timers(handle) == [2.0, 6.0, 18.0, 30.0]  # 2·3ⁿ, capped at max_interval
    assert len(stubs.called("call_webhook")) == 5
    assert stubs.step_history("webhook") == [
        *[
            entry
            for attempt in range(1, 5)
            for entry in (("running", attempt, ""), ("failed", attempt, "conflict"))
        ],
        ("running", 5, ""),
        ("succeeded", 5, ""),
    ]
    assert stubs.task_statuses() == ["running", *["retrying", "running"] * 4, "succeeded"]


async def test_a_servers_retry_after_is_honoured_up_to_max_interval(
    time_skipping: WorkflowEnvironment,
) -> None:
    plan = plan_of(webhook({"initial_interval": "2s", "backoff": 2, "max_interval": "2m"}))
    asked = [timedelta(seconds=90), timedelta(minutes=10), timedelta(seconds=1)]
    errors = [
        ApplicationError("429 slow down", type="rate_limit", next_retry_delay=delay)
        for delay in asked
    ]
    stubs = Stubs(plan, {"call_webhook": errors})
    async with file_run(time_skipping, stubs) as handle:
        assert (await handle.result()).status == "succeeded"
        # 90 s as asked; 10 min capped at max_interval; 1 s is shorter than the backoff (8 s)
        assert await timers(handle) == [90.0, 120.0, 8.0]
    assert [s for s, _, c in stubs.step_history("webhook") if c] == ["failed"] * 3


async def test_a_failure_that_may_be_permanent_gives_up_after_max_attempts(
    time_skipping: WorkflowEnvironment,
) -> None:
    plan = plan_of(webhook({"max_attempts": 3, "initial_interval": "1s"}))
    stubs = Stubs(plan, {"call_webhook": failures("conflict", 10)})
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
        assert await timers(handle) == [1.0, 2.0]
    assert isinstance(failure, ApplicationError)
    assert (failure.type, failure.message) == ("conflict", "step webhook failed: conflict #3")
    assert failure.non_retryable  # the workflow is not retried: a task retry is a person's call
    assert len(stubs.called("call_webhook")) == 3
    assert stubs.step_history("webhook")[-1] == ("failed", 3, "conflict")
    task = stubs.last_task()
    assert (task.status, task.error_class, task.error) == ("failed", "conflict", "conflict #3")


async def test_a_transient_failure_is_retried_past_max_attempts_until_the_deadline(
    time_skipping: WorkflowEnvironment,
) -> None:
    retry = {
        "max_attempts": 2,
        "initial_interval": "1m",
        "backoff": 1,
        "max_interval": "1m",
        "deadline": "4m30s",
    }
    stubs = Stubs(plan_of(webhook(retry)), {"call_webhook": failures("network", 10)})
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
        # attempts at 0, 1, 2, 3, 4 min; a sixth would start at 5 min, past the deadline
        assert await timers(handle) == [60.0] * 4
    assert len(stubs.called("call_webhook")) == 5
    assert isinstance(failure, ApplicationError)
    assert failure.type == "network"
    assert "still network after 5 attempts" in failure.message
    assert "past the retry deadline" in stubs.last_task().error


async def test_a_transient_failure_with_only_max_attempts_says_so(
    time_skipping: WorkflowEnvironment,
) -> None:
    plan = plan_of(webhook({"max_attempts": 2, "initial_interval": "1s"}))
    stubs = Stubs(plan, {"call_webhook": failures("network", 10)})
    async with file_run(time_skipping, stubs) as handle:
        await failure_of(handle)
    assert len(stubs.called("call_webhook")) == 2
    error = stubs.last_task().error
    assert "still network after 2 attempts" in error and "the step's max_attempts" in error
    assert "deadline" not in error


@pytest.mark.parametrize(
    ("retry", "error"),
    [
        ({"non_retryable": ["conflict"]}, ApplicationError("locked", type="conflict")),
        ({}, ApplicationError("locked", type="conflict", non_retryable=True)),
        ({"non_retryable": ["network"]}, ApplicationError("refused", type="network")),
    ],
    ids=["listed-in-retry", "raised-non-retryable", "transient-listed"],
)
async def test_a_non_retryable_failure_gives_up_at_once(
    time_skipping: WorkflowEnvironment, retry: dict[str, object], error: ApplicationError
) -> None:
    stubs = Stubs(plan_of(webhook(retry)), {"call_webhook": [error]})
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
        assert await timers(handle) == []
    assert isinstance(failure, ApplicationError)
    assert failure.type == error.type
    assert stubs.step_history("webhook") == [("running", 1, ""), ("failed", 1, error.type)]
    assert stubs.task_statuses() == ["running", "failed"]
