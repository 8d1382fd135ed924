"""FileWorkflow's `on_failure` modes (fail, continue, compensate), compensation order, and the
cleanup a step that gives up does whatever its mode."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from sluice.actions import BuildRef
from sluice.contracts import ObjectRef
from tests.workflows.harness import failure_of, file_run
from tests.workflows.stubs import SHA256, UPLOAD, Stubs, plan_of

UNDO = ("delete_object", "abort_uploads", "jenkins_stop")
STORED = ObjectRef("unit-bucket", "logs/app.log")


def refused(**options: Any) -> dict[str, Any]:
    """A webhook step whose attempt `refusal()` refuses."""
    return {"webhook": {"url": "https://hooks.test/", **options}}


def refusal() -> dict[str, list[Any]]:
    return {"call_webhook": [ApplicationError("403", type="auth", non_retryable=True)]}


async def test_fail_stops_the_run_and_undoes_nothing(time_skipping: WorkflowEnvironment) -> None:
    pipeline = [{"upload": UPLOAD}, refused(), {"notify": {"channels": ["ops"]}}]
    stubs = Stubs(plan_of(pipeline), refusal())
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
    assert isinstance(failure, ApplicationError) and failure.type == "auth"
    assert stubs.called(*UNDO, "send_notification") == []
    assert stubs.step_history("upload")[-1] == ("succeeded", 1, "")
    assert stubs.last_task().status == "failed"


async def test_continue_records_the_failure_and_runs_the_next_steps(
    time_skipping: WorkflowEnvironment,
) -> None:
    pipeline = [
        {"upload": UPLOAD},
        refused(on_failure="continue"),
        {"notify": {"channels": ["ops"]}},
    ]
    stubs = Stubs(plan_of(pipeline), refusal())
    async with file_run(time_skipping, stubs) as handle:
        result = await handle.result()
    assert (result.status, result.key, result.sha256) == ("succeeded", STORED.key, SHA256)
    assert stubs.step_history("webhook") == [("running", 1, ""), ("failed", 1, "auth")]
    assert stubs.step_history("notify")[-1] == ("succeeded", 1, "")
    assert stubs.called(*UNDO) == []
    task = stubs.last_task()
    assert (task.status, task.error_class) == ("succeeded", "")


async def test_compensate_undoes_every_step_in_reverse_after_the_failed_steps_cleanup(
    time_skipping: WorkflowEnvironment,
) -> None:
    pipeline = [
        {"upload": UPLOAD},
        {"upload": {**UPLOAD, "name": "copy", "key": "copy/{relpath}"}},
        {"jenkins": {"job": "deploy"}},
        {"jenkins": {"job": "smoke", "on_failure": "compensate", "retry": {"max_attempts": 1}}},
    ]
    plan = plan_of(pipeline, on_failure={"notify": {"channels": ["ops", "oncall"]}})
    left_running = BuildRef("default", "smoke", number=8, url="http://jenkins.test/job/smoke/8/")
    lost = ApplicationError("jenkins unreachable", left_running, type="network")
    stubs = Stubs(plan, {"jenkins_build": [None, lost]})
    async with file_run(time_skipping, stubs) as handle:
        failure = await failure_of(handle)
    assert isinstance(failure, ApplicationError) and failure.type == "network"
    deployed = BuildRef("default", "deploy", number=7, url="http://jenkins.test/job/deploy/7/")
    assert stubs.called(*UNDO) == [
        ("jenkins_stop", left_running),  # the failed step's own cleanup comes first
        ("jenkins_stop", deployed),  # then what the earlier steps did, last first
        ("delete_object", ObjectRef("unit-bucket", "copy/logs/app.log")),
        ("delete_object", STORED),
    ]
    compensated = [
        (s.name, s.attempt, s.summary["undone"])
        for b in stubs.batches
        for s in b.steps
        if s.status == "compensated"
    ]
    assert compensated == [
        ("jenkins", 2, "stopped build http://jenkins.test/job/deploy/7/"),
        ("copy", 2, "deleted s3://unit-bucket/copy/logs/app.log"),
        ("upload", 2, "deleted s3://unit-bucket/logs/app.log"),
    ]
    # the failure notice goes out once everything is undone, to each channel
    notices = stubs.called("queue_failure_notice")
    assert stubs.calls[-len(notices) :] == notices
    assert [notice.channel for _, notice in notices] == ["ops", "oncall"]
    facts = notices[0][1].request.facts
    assert (facts["step"], facts["error_class"], facts["compensated"]) == (
        "jenkins-2",
        "network",
        "yes",
    )
    assert stubs.last_task().status == "failed"


@pytest.mark.parametrize("on_failure", ["fail", "continue"])
@pytest.mark.parametrize(
    ("pipeline", "script", "cleanup"),
    [
        (
            [{"upload": UPLOAD}],
            {"upload_file": [ApplicationError("disk gone", type="not_found")]},
            ("abort_uploads", STORED),
        ),
        (
            [{"upload": UPLOAD}, {"verify": {}}],
            {"verify_object": [ApplicationError("sha256 differs", type="checksum")]},
            ("delete_object", STORED),
        ),
        (
            [{"jenkins": {"job": "deploy"}}],
            {
                "jenkins_build": [
                    ApplicationError(
                        "lost", BuildRef("default", "deploy", number=3), type="network"
                    )
                ]
            },
            ("jenkins_stop", BuildRef("default", "deploy", number=3)),
        ),
    ],
    ids=["upload-aborts-its-parts", "verify-deletes-a-bad-object", "jenkins-stops-its-build"],
)
async def test_a_step_that_gives_up_cleans_up_after_itself_whatever_on_failure_says(
    time_skipping: WorkflowEnvironment,
    pipeline: list[dict[str, Any]],
    script: dict[str, list[Any]],
    cleanup: tuple[str, Any],
    on_failure: str,
) -> None:
    [(step_type, options)] = pipeline[-1].items()
    last = {step_type: {**options, "on_failure": on_failure, "retry": {"max_attempts": 1}}}
    stubs = Stubs(plan_of([*pipeline[:-1], last]), script)
    async with file_run(time_skipping, stubs) as handle:
        if on_failure == "fail":
            await failure_of(handle)
        else:
            assert (await handle.result()).status == "succeeded"
    assert stubs.called(*UNDO) == [cleanup]
    failed = [s for s in stubs.step_updates(step_type) if s.status == "failed"]
    assert failed[-1].summary.get("undone")  # the cleanup is recorded on the failed step
