"""Action steps through a real `sluice dev` subprocess: Jenkins, LLM, DingTalk and SMTP peers on
loopback, given to it with --config; channels and rules made through its API as a user would.

One `sluice dev` serves the module; each test has its own rule (by suffix), job and file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest
import yaml
from botocore.exceptions import ClientError

from activities.s3 import make_s3_client
from activities.upload import SHA256_TAG
from sluice.cli.servers import port_is_free
from sluice.settings import StorageSettings
from tests.e2e.dev_support import DevStack, free_dev_ports, wait_for_task
from tests.e2e.flow import FAILING_BUILD_RULE, ops_channels, steps_by_name
from tests.peers.chat import DingTalkPeer
from tests.peers.jenkins import Build, JenkinsPeer
from tests.peers.llm import GOOD, OpenAIPeer
from tests.peers.smtp import SmtpPeer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LOGS = Path(__file__).parent.parent / "data" / "logs"
BUCKET = "sluice"  # `sluice dev`'s
HOST = "devhost"  # SLUICE_AGENT__HOSTNAME of the stack, the first part of object keys
SUMMARY = str(GOOD["summary"])  # what the LLM peer says about the log
T = TypeVar("T")


class Peers:
    """The loopback servers `sluice dev` talks to, for the whole module."""

    def __init__(self, directory: Path, stack: ExitStack) -> None:
        self.jenkins = JenkinsPeer()
        stack.callback(self.jenkins.close)
        self.llm = OpenAIPeer()
        stack.callback(self.llm.close)
        self.dingtalk = DingTalkPeer()
        stack.callback(self.dingtalk.close)
        self.smtp = SmtpPeer(directory, mode="starttls")
        stack.callback(self.smtp.close)

    def settings(self) -> dict[str, Any]:
        """The settings file that points `sluice dev` at these peers."""
        return {
            "jenkins": {
                "servers": {
                    "default": {"url": self.jenkins.url, "user": "ci", "api_token": "api-token"}
                }
            },
            "ai": {"base_url": self.llm.base_url, "api_key": "sk-test", "model": "test-llm"},
            # every failure notice on its own, so each test sees its own at once
            "notifications": {"secret_key": "e2e channel secret key", "failure_window": 0},
            "agent": {"metrics_port": None},  # 9464 may be another stack's
        }


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    with ExitStack() as stack:
        yield Peers(tmp_path_factory.mktemp("peers"), stack)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory, peers: Peers) -> Iterator[DevStack]:
    """`sluice dev --config sluice.yaml` on free ports; stopped (or killed) whatever happens."""
    root = tmp_path_factory.mktemp("dev")
    config = root / "sluice.yaml"
    config.write_text(yaml.safe_dump(peers.settings()))
    stack = DevStack(root, free_dev_ports(), config)
    proc = stack.start()
    try:
        yield stack
    finally:
        code = stack.stop(proc)
    assert code == 0, stack.log_tail()
    assert stack.leftover_processes() == []
    assert all(port_is_free(port) for port in stack.ports.values())


@pytest.fixture(scope="module")
def api(dev: DevStack, peers: Peers) -> Iterator[httpx.Client]:
    """The stack's API as its admin, with the DingTalk (signed) and e-mail channels made."""
    with httpx.Client(base_url=dev.api, headers=dev.headers, timeout=10) as client:
        add_channels(client, peers.dingtalk, peers.smtp)
        yield client


@pytest.fixture(scope="module")
def s3(dev: DevStack) -> S3Client:
    return make_s3_client(StorageSettings(endpoint_url=f"http://127.0.0.1:{dev.ports['s3']}"))


def add_channels(api: httpx.Client, dingtalk: DingTalkPeer, smtp: SmtpPeer) -> None:
    for body in ops_channels(dingtalk, smtp):
        created = api.post("/api/v1/channels", json=body)
        assert created.status_code == 201, created.text
        assert "secrets" not in created.json() and created.json()["secrets_set"]


def publish(api: httpx.Client, document: dict[str, Any]) -> None:
    created = api.post("/api/v1/rules", json=document)
    assert created.status_code == 201, created.text
    published = api.post(f"/api/v1/rules/{created.json()['id']}:publish")
    assert published.status_code == 200, published.text
    assert published.json()["live_version"] == 1


def eventually(probe: Callable[[], list[T]], what: str, within: float = 30.0) -> list[T]:
    """What `probe` finds, once it finds something."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {within}s")


def log_lines(dev: DevStack, pattern: str) -> list[str]:
    """Lines of the stack's log that match `pattern` (waiting for the first, up to 30 s)."""
    regex = re.compile(pattern)

    def probe() -> list[str]:
        lines = (dev.root / "dev.log").read_text(errors="replace").splitlines()
        return [line for line in lines if regex.search(line)]

    return eventually(probe, f"log line /{pattern}/")


def builds_of(jenkins: JenkinsPeer, job: str) -> list[Build]:
    return [build for build in jenkins.all_builds if build.job == job]


def notices_about(dingtalk: DingTalkPeer, title: str) -> list[dict[str, Any]]:
    return [m for m in dingtalk.accepted if m["markdown"]["title"] == title]


def plain_text(mail: Message) -> str:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(parts[0].get_content_charset() or "utf-8")


def assert_deleted(s3: S3Client, key: str) -> None:
    with pytest.raises(ClientError, match=r"404|Not Found"):
        s3.head_object(Bucket=BUCKET, Key=key)


def test_log_goes_through_jenkins_and_llm_then_dingtalk_and_email(
    dev: DevStack, api: httpx.Client, peers: Peers, s3: S3Client
) -> None:
    peers.jenkins.script("ops/analyze-log", result="SUCCESS", build_polls=2)
    publish(
        api,
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
                                "params": {
                                    "DOWNLOAD_URL": "{presigned_url}",
                                    "SHA": "{sha256}",
                                    "FILE": "{relpath}",
                                },
                            }
                        },
                        {"analyze": {"max_lines": 200}},
                    ]
                },
                {"notify": {"channels": ["ops-dingtalk", "ops-email"], "mentions": ["139"]}},
            ],
        },
    )
    content = (LOGS / "java_oom.log").read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    (dev.inbox / "app.log").write_bytes(content)

    task = wait_for_task(dev, "app.log")

    assert task["status"] == "succeeded", task["error"]
    assert len(log_lines(dev, rf"task {task['id']} succeeded {HOST}:\S+/app\.log in \d")) == 1
    steps = steps_by_name(task)
    assert {name: s["status"] for name, s in steps.items()} == dict.fromkeys(
        ["upload", "verify", "jenkins", "analyze", "notify"], "succeeded"
    )
    assert task["sha256"] == sha256
    s3_object = s3.get_object(Bucket=BUCKET, Key=f"{HOST}/app.log")
    assert s3_object["Body"].read() == content
    tags = s3.get_object_tagging(Bucket=BUCKET, Key=f"{HOST}/app.log")["TagSet"]
    assert {"Key": SHA256_TAG, "Value": sha256} in tags

    [build] = builds_of(peers.jenkins, "ops/analyze-log")
    assert (build.params["SHA"], build.params["FILE"]) == (sha256, "app.log")
    assert httpx.get(build.params["DOWNLOAD_URL"]).content == content  # as Jenkins would
    assert steps["jenkins"]["summary"]["result"] == "SUCCESS"
    assert steps["jenkins"]["summary"]["url"] == (
        f"{peers.jenkins.url}/job/ops/job/analyze-log/{build.number}/"
    )

    [prompt] = peers.llm.prompts
    assert "java.lang.OutOfMemoryError: Java heap space" in prompt
    assert "Dumping heap to /data/dumps/java_pid4242.hprof" in prompt
    assert "hunter2" not in prompt  # masked on the host before it left
    analysis = json.loads(steps["analyze"]["summary"]["analysis"])
    assert (analysis["degraded"], analysis["model"]) == (False, "test-llm")
    assert (analysis["summary"], analysis["severity"]) == (SUMMARY, GOOD["severity"])

    # the DingTalk peer accepts only messages signed with the channel's secret
    [ding] = notices_about(peers.dingtalk, "[Sluice] app.log processed")
    assert "- path: app.log" in ding["markdown"]["text"]
    assert SUMMARY in ding["markdown"]["text"]
    assert ding["at"]["atMobiles"] == ["13800000000", "139"]
    [mail] = [m for m in peers.smtp.messages if m["Subject"] == "[Sluice] app.log processed"]
    assert mail["To"] == "ops@example.com"
    assert "app.log" in plain_text(mail) and SUMMARY in plain_text(mail)
    sent = api.get("/api/v1/notifications", params={"task_id": task["id"]}).json()
    assert sorted((n["channel"], n["status"]) for n in sent) == [
        ("ops-dingtalk", "sent"),
        ("ops-email", "sent"),
    ]


def test_failed_build_is_compensated_and_announced(
    dev: DevStack, api: httpx.Client, peers: Peers, s3: S3Client
) -> None:
    peers.jenkins.script("deploy-report", result="FAILURE", build_polls=1)
    publish(api, FAILING_BUILD_RULE)
    (dev.inbox / "report.csv").write_text("day,files\n2026-11-20,42\n")

    task = wait_for_task(dev, "report.csv")

    assert task["status"] == "failed"
    assert task["error_class"] == "action_failed" and "finished FAILURE" in task["error"]
    # One line for the failed attempt and one for the task; an expected failure, no traceback.
    finished = log_lines(dev, rf"task {task['id']} failed {HOST}:\S+/report\.csv in ")
    assert len(finished) == 1 and "(action_failed: " in finished[0], finished
    [attempt] = log_lines(dev, r"step jenkins attempt 1 failed for \S+/report\.csv")
    message = attempt.split(" [workflow_id=")[0]  # the text line's ids follow the message
    assert "(action_failed: " in message and message.endswith("no more attempts")
    assert f"task_id={task['id']}" in attempt
    log = (dev.root / "dev.log").read_text(errors="replace")
    assert "Traceback" not in log and "Completing activity as failed" not in log
    steps = steps_by_name(task)
    assert (steps["jenkins"]["status"], steps["jenkins"]["error_class"]) == (
        "failed",
        "action_failed",
    )
    assert steps["upload"]["status"] == "compensated"
    assert_deleted(s3, f"{HOST}/report.csv")
    [build] = builds_of(peers.jenkins, "deploy-report")
    assert build.result == "FAILURE" and peers.jenkins.stops == []  # finished: not stopped
    summary = steps["jenkins"]["summary"]
    assert summary["job"] == "deploy-report" and summary["build"] == str(build.number)
    assert summary["url"].endswith(f"/job/deploy-report/{build.number}/")
    assert summary["result"] == "FAILURE" and "undone" not in summary

    [notice] = eventually(
        lambda: notices_about(peers.dingtalk, "[Sluice] task failed: report.csv (action_failed)"),
        "failure notice on DingTalk",
    )
    text = notice["markdown"]["text"]
    assert "- path: report.csv" in text and "- failed step: jenkins (action_failed)" in text
    assert "- compensated: yes" in text
    sent = api.get("/api/v1/notifications", params={"task_id": task["id"]}).json()
    assert [(n["channel"], n["step"], n["status"]) for n in sent] == [
        ("ops-dingtalk", "on_failure", "sent")
    ]


def test_build_running_past_the_step_timeout_is_stopped(
    dev: DevStack, api: httpx.Client, peers: Peers, s3: S3Client
) -> None:
    peers.jenkins.script("ops/slow-build", build_polls=10**9)  # never finishes
    publish(
        api,
        {
            "name": "firmware",
            "match": {"suffixes": [".bin"]},
            "pipeline": [
                {"upload": {}},
                {
                    "jenkins": {
                        "job": "ops/slow-build",
                        "poll_interval": "200ms",
                        "timeout": "3s",
                        "retry": {"max_attempts": 1},
                        "on_failure": "compensate",
                    }
                },
            ],
            "on_failure": {"notify": {"channels": ["ops-dingtalk"]}},
        },
    )
    (dev.inbox / "image.bin").write_bytes(os.urandom(64 * 1024))

    task = wait_for_task(dev, "image.bin")

    assert task["status"] == "failed"
    assert task["error_class"] == "timeout"
    jenkins = steps_by_name(task)["jenkins"]
    assert (jenkins["status"], jenkins["error_class"], jenkins["attempts"]) == (
        "failed",
        "timeout",
        1,
    )
    assert "timed out" in jenkins["error"]
    [build] = builds_of(peers.jenkins, "ops/slow-build")  # one build, stopped, not left running
    assert build.stopped and ("ops/slow-build", build.number) in peers.jenkins.stops
    summary = jenkins["summary"]  # the build the step gave up on, and what was done to it
    assert (summary["build"], summary["result"]) == (str(build.number), "running")
    assert summary["undone"] == f"stopped build {summary['url']}"
    assert steps_by_name(task)["upload"]["status"] == "compensated"
    assert_deleted(s3, f"{HOST}/image.bin")
    [notice] = eventually(
        lambda: notices_about(peers.dingtalk, "[Sluice] task failed: image.bin (timeout)"),
        "timeout notice on DingTalk",
    )
    assert "- failed step: jenkins (timeout)" in notice["markdown"]["text"]


def test_the_alert_loop_runs_through_sluice_dev(
    dev: DevStack, api: httpx.Client, peers: Peers
) -> None:
    """An alert is analysed by the LLM with what the team knows, the first message waits for
    it, the route's ticket is resolved into an LLM-written draft, a person publishes it, and
    the next incident of the same alert is matched to it and analysed with it."""
    run = uuid.uuid4().hex[:8]
    routing = f"""
routes:
  - name: loop-{run}
    matchers: ['run="{run}"']
    group_by: [alertname, run]
    group_wait: 1s
    group_interval: 1s
    channels: [ops-dingtalk]
    ticket: P2
    analysis: {{when: always, hold: 20s}}
"""
    created = api.post("/api/v1/alert-routing/versions", json={"text": routing, "comment": run})
    assert created.status_code == 201, created.text
    version = created.json()["version"]
    assert api.post(f"/api/v1/alert-routing/versions/{version}:publish").is_success
    source = api.post("/api/v1/tokens", json={"name": f"prom-{run}", "role": "alert-source"})
    prometheus = {"Authorization": f"Bearer {source.json()['token']}"}
    firing = [{"labels": {"alertname": "WalVolumeFull", "run": run, "service": "db"},
               "annotations": {"summary": "WAL volume full on db-1"}}]  # fmt: skip
    first_answer = {"summary": "The WAL volume of db-1 is full.", "severity": "critical",
                    "causes": ["WAL archiving is stuck"], "confidence": 0.6,
                    "actions": [{"action": "Check archive_command", "risk": "low"}]}  # fmt: skip
    try:
        peers.llm.content = json.dumps(first_answer)
        assert api.post("/api/v2/alerts", json=firing, headers=prometheus).status_code == 200

        def group() -> list[dict[str, Any]]:
            listed = api.get("/api/v1/alert-groups", params={"route": f"loop-{run}"}).json()
            return [api.get(f"/api/v1/alert-groups/{g['id']}").json() for g in listed["items"]]

        [detail] = eventually(lambda: [g for g in group() if g["analysis"]], "analysis")
        assert (detail["analysis"]["summary"], detail["analysis"]["degraded"]) == (
            first_answer["summary"], False
        )  # fmt: skip
        title = f"[Sluice] FIRING:1 alertname=WalVolumeFull, run={run}"
        [told] = eventually(lambda: notices_about(peers.dingtalk, title), "message")
        assert first_answer["summary"] in told["markdown"]["text"]  # held for the analysis

        tickets = eventually(lambda: api.get("/api/v1/tickets", params={"group_id": detail["id"]})
                             .json()["items"], "ticket")  # fmt: skip
        key = tickets[0]["id"]
        said = api.post(f"/api/v1/tickets/{key}/comments", json={"body": "Fixed archive_command."})
        assert said.status_code == 201
        peers.llm.content = json.dumps({
            "title": "WAL volume fills when archiving stops", "symptoms": "WalVolumeFull fires",
            "cause": "archive_command failing", "resolution": ["Fix archive_command"],
            "tags": ["postgres"],
        })  # fmt: skip
        assert api.post(f"/api/v1/tickets/{key}:resolve").status_code == 200
        draft_id = api.get(f"/api/v1/tickets/{key}").json()["knowledge_draft_id"]
        draft = api.get(f"/api/v1/knowledge/{draft_id}").json()
        assert (draft["status"], draft["title"]) == (
            "draft",
            "WAL volume fills when archiving stops",
        )
        assert api.post(f"/api/v1/knowledge/{draft_id}:publish").status_code == 200

        peers.llm.content = json.dumps({**first_answer, "knowledge": [f"KB-{draft_id}"]})
        first_id = detail["analysis"]["id"]

        def next_incident() -> list[dict[str, Any]]:
            return [g for g in group() if g["analysis"] and g["analysis"]["id"] != first_id]

        time.sleep(2)  # the resolved group's run ends
        assert api.post("/api/v2/alerts", json=firing, headers=prometheus).status_code == 200
        [again] = eventually(next_incident, "second analysis", within=60)
        assert again["knowledge"][0]["id"] == draft_id
        assert again["analysis"]["knowledge"] == [f"KB-{draft_id}"]
        assert f"[KB-{draft_id}] WAL volume fills when archiving stops" in peers.llm.prompts[-1]
    finally:
        peers.llm.content = None
