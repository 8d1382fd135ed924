"""Action steps end to end, in-process with the code `sluice dev` runs (worker, agent, API)
against the session's real Temporal and SeaweedFS and loopback protocol peers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from botocore.exceptions import ClientError
from temporalio.client import Client

from sluice.settings import Settings
from tests.e2e.agent_support import eventually
from tests.e2e.flow import (
    FAILING_BUILD_RULE,
    keep_history,
    ops_channels,
    publish,
    steps_by_name,
    wait_for_task,
)
from tests.peers.chat import DingTalkPeer
from tests.peers.jenkins import JenkinsPeer
from tests.peers.llm import GOOD, OpenAIPeer
from tests.peers.smtp import SmtpPeer
from watcher.agent import Agent

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LOGS = Path(__file__).parent.parent / "data" / "logs"


@pytest.fixture
def settings(settings: Settings, jenkins_peer: JenkinsPeer, openai_peer: OpenAIPeer) -> Settings:
    """The session settings plus a Jenkins server, an LLM, and a key for channel secrets."""
    return settings.model_copy(
        update={
            "jenkins": settings.jenkins.model_validate(
                {
                    "servers": {
                        "default": {"url": jenkins_peer.url, "user": "ci", "api_token": "api-token"}
                    }
                }
            ),
            "ai": settings.ai.model_validate(
                {"base_url": openai_peer.base_url, "api_key": "sk-test", "model": "test-llm"}
            ),
            "notifications": settings.notifications.model_validate(
                {"secret_key": "e2e channel secret key", "failure_window": 3.0}
            ),
        }
    )


async def add_channels(api: httpx.AsyncClient, dingtalk: DingTalkPeer, smtp: SmtpPeer) -> None:
    for body in ops_channels(dingtalk, smtp):
        created = await api.post("/api/v1/channels", json=body)
        assert created.status_code == 201, created.text
        assert "secrets" not in created.json() and created.json()["secrets_set"]


async def test_upload_verify_jenkins_and_analyze_then_notify(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    jenkins_peer: JenkinsPeer,
    openai_peer: OpenAIPeer,
    dingtalk_peer: DingTalkPeer,
    smtp_peer: SmtpPeer,
    temporal_client: Client,
) -> None:
    await add_channels(api, dingtalk_peer, smtp_peer)
    jenkins_peer.script("ops/analyze-log", result="SUCCESS", build_polls=2)
    publish(
        database,
        {
            "name": "java-logs",
            "match": {"suffixes": [".log"]},
            "pipeline": [
                {"upload": {}},
                {"verify": {}},
                {
                    "parallel": [
                        {
                            "jenkins": {
                                "job": "ops/analyze-log",
                                "poll_interval": "200ms",
                                "params": {"DOWNLOAD_URL": "{presigned_url}", "SHA": "{sha256}"},
                            }
                        },
                        {"analyze": {"max_lines": 200}},
                    ]
                },
                {"notify": {"channels": ["ops-dingtalk", "ops-email"], "mentions": ["139"]}},
            ],
        },
    )
    shutil.copy(LOGS / "java_oom.log", inbox / "app.log")

    task = await wait_for_task(api, "app.log", within=60)

    steps = steps_by_name(task)
    assert [s["status"] for s in steps.values()] == ["succeeded"] * 5
    assert steps["jenkins"]["summary"]["result"] == "SUCCESS"
    assert steps["jenkins"]["summary"]["url"].endswith("/job/ops/job/analyze-log/1/")
    [build] = jenkins_peer.all_builds
    assert build.params["SHA"] == task["sha256"]
    async with httpx.AsyncClient() as http:  # the presigned URL Jenkins would download
        download = await http.get(build.params["DOWNLOAD_URL"])
    assert download.content == (LOGS / "java_oom.log").read_bytes()

    analysis = json.loads(steps["analyze"]["summary"]["analysis"])
    assert (analysis["degraded"], analysis["summary"]) == (False, GOOD["summary"])
    assert steps["analyze"]["summary"]["severity"] == "critical"
    assert "hunter2" not in openai_peer.prompts[0]  # masked on the host

    assert steps["notify"]["summary"]["sent"] == "ops-dingtalk, ops-email"
    [ding] = dingtalk_peer.accepted
    assert GOOD["summary"] in ding["markdown"]["text"]
    assert ding["at"]["atMobiles"] == ["13800000000", "139"]
    [mail] = smtp_peer.messages
    assert mail["Subject"] == "[Sluice] app.log processed"
    sent = (await api.get("/api/v1/notifications", params={"task_id": task["id"]})).json()
    assert sorted((n["channel"], n["status"]) for n in sent) == [
        ("ops-dingtalk", "sent"),
        ("ops-email", "sent"),
    ]
    await keep_history(temporal_client, task["workflow_id"], "jenkins_analyze_notify")


async def test_failed_build_compensates_and_failures_are_aggregated(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    s3: S3Client,
    settings: Settings,
    jenkins_peer: JenkinsPeer,
    dingtalk_peer: DingTalkPeer,
    smtp_peer: SmtpPeer,
    temporal_client: Client,
) -> None:
    await add_channels(api, dingtalk_peer, smtp_peer)
    jenkins_peer.script("deploy-report", result="FAILURE", build_polls=1)
    publish(database, FAILING_BUILD_RULE)
    names = ["a.csv", "b.csv", "c.csv"]
    for name in names:
        (inbox / name).write_text(f"{name}\n")

    tasks = [await wait_for_task(api, name, status="failed", within=90) for name in names]

    for task in tasks:
        steps = steps_by_name(task)
        assert steps["jenkins"]["error_class"] == "action_failed"
        assert "finished FAILURE" in task["error"]
        assert steps["upload"]["status"] == "compensated"
        key = task["file_event"]["host"] + "/" + task["file_event"]["rel_path"]
        assert (
            steps["upload"]["summary"]["undone"] == f"deleted s3://{settings.storage.bucket}/{key}"
        )
        # the failed build is recorded, and left alone: it had finished
        summary = steps["jenkins"]["summary"]
        assert (summary["job"], summary["result"]) == ("deploy-report", "FAILURE")
        assert summary["url"] == f"{jenkins_peer.url}/job/deploy-report/{summary['build']}/"
        assert "undone" not in summary
        with pytest.raises(ClientError, match=r"404|Not Found"):
            s3.head_object(Bucket=settings.storage.bucket, Key=key)
    assert jenkins_peer.stops == []  # no stop sent to a finished build
    await keep_history(temporal_client, tasks[0]["workflow_id"], "jenkins_failed_compensated")

    # one notice at once, the two that followed within the window as one digest
    await eventually(lambda: len(dingtalk_peer.accepted) >= 2, 30, "two DingTalk messages")
    titles = [m["markdown"]["title"] for m in dingtalk_peer.accepted]
    assert len(titles) == 2, titles
    assert titles[0].startswith("[Sluice] task failed: ") and "(action_failed)" in titles[0]
    assert titles[1] == "[Sluice] 2 tasks failed"
    digest = dingtalk_peer.accepted[1]["markdown"]["text"]
    assert digest.count("jenkins (action_failed)") == 2
    rows = (await api.get("/api/v1/notifications")).json()
    assert sorted((r["step"], r["count"], r["status"]) for r in rows) == [
        ("digest", 2, "sent"),
        ("on_failure", 1, "sent"),
    ]
    assert smtp_peer.messages == []  # the email channel is not among the failure channels


async def test_a_cancelled_build_is_stopped_and_recorded_on_the_cancelled_step(
    database: str,
    running: Agent,
    api: httpx.AsyncClient,
    inbox: Path,
    jenkins_peer: JenkinsPeer,
) -> None:
    jenkins_peer.script("nightly", build_polls=100_000)  # runs until stopped
    publish(
        database,
        {
            "name": "long-builds",
            "match": {"suffixes": [".nightly"]},
            "pipeline": [{"upload": {}}, {"jenkins": {"job": "nightly", "poll_interval": "200ms"}}],
        },
    )
    (inbox / "run.nightly").write_text("go\n")
    running_task = await wait_for_task(api, "run.nightly", status="running")
    await eventually(
        lambda: any(job == "nightly" for job, _ in jenkins_peer.builds), 60, "the build started"
    )

    cancelled = await api.post(f"/api/v1/tasks/{running_task['id']}:cancel")
    assert cancelled.status_code == 202, cancelled.text
    task = await wait_for_task(api, "run.nightly", status="cancelled")

    number = next(n for job, n in jenkins_peer.builds if job == "nightly")
    assert jenkins_peer.stops == [("nightly", number)]
    step = steps_by_name(task)["jenkins"]
    assert step["status"] == "cancelled"
    assert step["summary"] == {
        "job": "nightly",
        "build": str(number),
        "url": f"{jenkins_peer.url}/job/nightly/{number}/",
        "result": "ABORTED",
    }
