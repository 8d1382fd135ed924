"""The jenkins activities against a Jenkins-protocol peer: crumb, folders, queue, result, stop."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.jenkins import JenkinsActivities, build_ref_from
from sluice.actions import BuildRef, FileContext, JenkinsRequest, JenkinsResult
from sluice.contracts import DetectedFile
from sluice.settings import JenkinsSettings
from tests.peers.jenkins import JenkinsPeer

FILE = DetectedFile(
    "web-01", "web-01.example", "/var/log/app", "dumps/heap.hprof", 4096, 1, "2026-11-20T10:00:00Z"
)


def activities(peer: JenkinsPeer, token: str = "api-token") -> JenkinsActivities:
    servers = {"default": {"url": peer.url, "user": "ci", "api_token": token}}
    return JenkinsActivities(JenkinsSettings.model_validate({"servers": servers}), None)


def request(job: str, **kwargs: object) -> JenkinsRequest:
    ctx = FileContext(
        "file-abc", FILE, rule="heap", bucket="dumps", key="web-01/heap.hprof", sha256="f" * 64
    )
    return JenkinsRequest(ctx, "default", job, poll_interval_s=0.01, **kwargs)  # type: ignore[arg-type]


async def run(acts: JenkinsActivities, req: JenkinsRequest) -> JenkinsResult:
    result: JenkinsResult = await ActivityEnvironment().run(acts.run_build, req)
    return result


@pytest.mark.parametrize("crumbs", [True, False], ids=["crumb", "no-crumb-issuer"])
async def test_build_in_a_folder_with_templated_params_succeeds(crumbs: bool) -> None:
    peer = JenkinsPeer(crumbs=crumbs)
    try:
        peer.script("ops/analyze-heap", result="SUCCESS", queue_polls=2, build_polls=3)
        params = {"KEY": "{key}", "FILE": "{name}", "SHA": "{sha256}", "FROM": "{host}:{relpath}"}
        result = await run(activities(peer), request("ops/analyze-heap", params=params))

        assert result.result == "SUCCESS" and result.build.number == 1
        assert result.build.url == f"{peer.url}/job/ops/job/analyze-heap/1/"
        [build] = peer.all_builds
        assert build.params == {
            "KEY": "web-01/heap.hprof",
            "FILE": "heap.hprof",
            "SHA": "f" * 64,
            "FROM": "web-01.example:dumps/heap.hprof",
        }
        posts = [r for r in peer.requests if r.method == "POST"]
        assert [p.path for p in posts] == ["/job/ops/job/analyze-heap/buildWithParameters"]
        assert ("Jenkins-Crumb" in posts[0].headers) is crumbs
    finally:
        peer.close()


async def test_job_without_params_uses_build(jenkins_peer: JenkinsPeer) -> None:
    jenkins_peer.script("nightly")
    result = await run(activities(jenkins_peer), request("nightly"))
    assert result.result == "SUCCESS"
    assert any(r.path == "/job/nightly/build" for r in jenkins_peer.requests)


@pytest.mark.parametrize(("unstable_ok", "fails"), [(True, False), (False, True)])
async def test_unstable_is_configurable(
    jenkins_peer: JenkinsPeer, unstable_ok: bool, fails: bool
) -> None:
    jenkins_peer.script("flaky", result="UNSTABLE")
    req = request("flaky", unstable_ok=unstable_ok)
    if not fails:
        assert (await run(activities(jenkins_peer), req)).result == "UNSTABLE"
        return
    with pytest.raises(ApplicationError) as caught:
        await run(activities(jenkins_peer), req)
    assert caught.value.type == "action_failed" and caught.value.non_retryable


async def test_failed_build_is_a_permanent_failure_naming_the_build(
    jenkins_peer: JenkinsPeer,
) -> None:
    jenkins_peer.script("broken", result="FAILURE")
    with pytest.raises(ApplicationError) as caught:
        await run(activities(jenkins_peer), request("broken"))
    err = caught.value
    assert err.type == "action_failed" and err.non_retryable
    assert "finished FAILURE" in err.message
    # The step records the build; a finished build is not one to stop.
    assert err.details[0] == {
        "job": "broken",
        "build": "1",
        "url": f"{jenkins_peer.url}/job/broken/1/",
        "result": "FAILURE",
    }
    assert build_ref_from(err.details[0]) is None


async def test_stop_leaves_a_finished_build_alone(jenkins_peer: JenkinsPeer) -> None:
    jenkins_peer.script("broken", result="FAILURE")
    acts = activities(jenkins_peer)
    with pytest.raises(ApplicationError):
        await run(acts, request("broken"))
    ref = BuildRef("default", "broken", number=1)
    assert await ActivityEnvironment().run(acts.stop_build, ref) == "finished FAILURE"
    assert jenkins_peer.stops == []
    assert not any(r.path.endswith("/stop") for r in jenkins_peer.requests)


async def test_bad_token_is_auth_and_unknown_job_not_found(jenkins_peer: JenkinsPeer) -> None:
    jenkins_peer.script("nightly")
    with pytest.raises(ApplicationError) as caught:
        await run(activities(jenkins_peer, token="wrong"), request("nightly"))
    assert (caught.value.type, caught.value.non_retryable) == ("auth", True)
    with pytest.raises(ApplicationError) as caught:
        await run(activities(jenkins_peer), request("no-such-job"))
    assert caught.value.type == "not_found"
    with pytest.raises(ApplicationError) as caught:
        await run(activities(jenkins_peer), JenkinsRequest(request("x").context, "prod", "x"))
    assert caught.value.type == "invalid_input" and "prod" in caught.value.message


async def test_without_wait_returns_the_queue_item_and_stop_dequeues_it(
    jenkins_peer: JenkinsPeer,
) -> None:
    jenkins_peer.script("long", queue_polls=100)
    acts = activities(jenkins_peer)
    result = await run(acts, request("long", wait=False))
    assert result.result == "" and result.build.number == 0
    assert "/queue/item/" in result.build.queue_url

    outcome = await ActivityEnvironment().run(acts.stop_build, result.build)
    assert outcome == "dequeued"
    assert all(item.cancelled for item in jenkins_peer.queue.values())


async def test_stop_build_stops_a_running_build(jenkins_peer: JenkinsPeer) -> None:
    jenkins_peer.script("long", build_polls=10_000)
    acts = activities(jenkins_peer)
    env = ActivityEnvironment()
    task = asyncio.create_task(env.run(acts.run_build, request("long")))
    while not jenkins_peer.all_builds:
        await asyncio.sleep(0.01)
    ref = BuildRef("default", "long", number=jenkins_peer.all_builds[0].number)
    assert await ActivityEnvironment().run(acts.stop_build, ref) == "stopped"
    with pytest.raises(ApplicationError) as caught:
        await task
    assert "ABORTED" in caught.value.message
    assert jenkins_peer.stops == [("long", 1)]


async def test_resume_follows_the_same_build_instead_of_starting_another(
    jenkins_peer: JenkinsPeer,
) -> None:
    jenkins_peer.script("long", build_polls=3)
    acts = activities(jenkins_peer)
    first = await run(acts, request("long", wait=False))  # as a timed-out attempt left it
    result = await run(acts, request("long", resume=first.build))
    assert result.result == "SUCCESS"
    assert len([r for r in jenkins_peer.requests if r.method == "POST"]) == 1


async def test_stored_hostile_params_trigger_no_build(jenkins_peer: JenkinsPeer) -> None:
    """A rule saved before templates were checked: refused when rendered, no build queued."""
    jenkins_peer.script("nightly")
    params = {"ENV": "{labels.__class__.__missing__.__globals__}", "W": "{name:>99999}"}
    with pytest.raises(ApplicationError) as caught:
        await run(activities(jenkins_peer), request("nightly", params=params))
    assert (caught.value.type, caught.value.non_retryable) == ("invalid_input", True)
    assert "unknown template field(s) {labels.__class__.__missing__" in caught.value.message
    assert jenkins_peer.all_builds == [] and not jenkins_peer.requests
