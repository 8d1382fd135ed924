"""Stub activities for FileWorkflow's unit tests, registered under the real activities' names.

As temporalio/samples-python tests do, each stub is an `@activity.defn(name=...)` with the
name the workflow schedules (see activities/* and the worker wiring in sluice/worker.py), so
the workflow runs unchanged against them. Each stub notes its call (name and input, in order)
and answers from a per-test script, else with a plausible success. The `record` stub keeps
every RecordBatch the run wrote: the task's and steps' transitions the tests assert on.

The plan comes through the public rule path (`parse_rule` → `plan_for`), as routing builds it.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from temporalio import activity

from activities.routing import routed
from sluice.actions import (
    Analysis,
    AnalyzeRequest,
    BuildRef,
    Excerpt,
    ExcerptRequest,
    FailureNotice,
    JenkinsRequest,
    JenkinsResult,
    LogFindings,
    NotifyRequest,
    NotifyResult,
    ScriptRequest,
    ScriptResult,
    WebhookRequest,
    WebhookResult,
)
from sluice.contracts import (
    ArchiveRequest,
    ArchiveResult,
    DetectedFile,
    ObjectRef,
    Plan,
    RecordBatch,
    RouteRequest,
    StepUpdate,
    UploadRequest,
    UploadResult,
    VerifyRequest,
    VerifyResult,
)
from sluice.rules import PublishedRule, parse_rule, plan_for

FILE = DetectedFile(
    agent_id="agent-unit",
    host="unit-host",
    root="/data/in",
    rel_path="logs/app.log",
    size=1234,
    mtime_ns=1_700_000_000_000_000_000,
    detected_at="2024-05-01T10:00:00+00:00",
)
SHA256 = "ab" * 32
# Routing fills an upload's unset bucket, key and part size from the storage settings inside
# RoutingActivities (no function of its own to reuse), so the rules here set them.
UPLOAD = {"bucket": "unit-bucket", "key": "{relpath}", "part_size": "5MiB"}


def plan_of(pipeline: Sequence[Any], **rule: Any) -> Plan:
    """The plan routing would give FILE from one published rule with `pipeline`."""
    spec = parse_rule({"name": "unit-rule", "pipeline": list(pipeline), **rule})
    return plan_for(
        [PublishedRule(rule_id=1, name="unit-rule", version=1, spec=spec)],
        FILE,
        labels={},
        now=datetime.now(UTC),
        unmatched="ignore",
    )


@dataclass
class Block:
    """Wait (heartbeating) until the activity is cancelled; then raise `then` if given, as the
    jenkins activity reports the build it stopped, else let the cancellation through."""

    then: BaseException | None = None


# What a stub does on one call: raise, block, answer from its input, return a value, or
# (None) give its default answer.
Outcome = BaseException | Block | Callable[[Any], Any] | object | None


class Stubs:
    """One run's stub activities: `calls` in order, `batches` as `record` received them."""

    def __init__(self, plan: Plan, script: Mapping[str, Sequence[Outcome]] | None = None) -> None:
        self.plan = plan
        self.calls: list[tuple[str, Any]] = []
        self.batches: list[RecordBatch] = []
        self.blocked = asyncio.Event()  # a Block outcome is waiting to be cancelled
        self._script = {name: list(outcomes) for name, outcomes in (script or {}).items()}

    # --- what the run did -------------------------------------------------------------

    def called(self, *names: str) -> list[tuple[str, Any]]:
        """The calls of the named activities (all with no names), in the order they came."""
        return [call for call in self.calls if not names or call[0] in names]

    def task_statuses(self) -> list[str]:
        return [batch.task.status for batch in self.batches if batch.task is not None]

    def last_task(self) -> Any:
        return [batch.task for batch in self.batches if batch.task is not None][-1]

    def step_updates(self, name: str) -> list[StepUpdate]:
        return [step for batch in self.batches for step in batch.steps if step.name == name]

    def step_history(self, name: str) -> list[tuple[str, int, str]]:
        """(status, attempt, error class) of every transition recorded for step `name`."""
        return [(s.status, s.attempt, s.error_class) for s in self.step_updates(name)]

    # --- central, local ----------------------------------------------------------------

    @activity.defn(name="resolve_route")
    async def resolve_route(self, req: RouteRequest) -> Plan:
        """The plan; with `req.task`, written as routing writes it (`routed`: the task and
        its first stage's remote steps as running, which the workflow then leaves out)."""
        plan: Plan = await self._answer("resolve_route", req, lambda _: copy.deepcopy(self.plan))
        if req.task is not None:
            self.batches.append(routed(req.task, plan))
        return plan

    @activity.defn(name="record")
    async def record(self, batch: RecordBatch) -> None:
        self.batches.append(batch)

    @activity.defn(name="verify_object")
    async def verify_object(self, req: VerifyRequest) -> VerifyResult:
        """As the real one: a local verify that checks out also writes the plan's end."""
        result: VerifyResult = await self._answer(
            "verify_object", req, lambda r: VerifyResult(r.size, r.sha256, r.read_back)
        )
        if req.then is not None:
            req.then.steps[-1].summary = result.summary()
            self.batches.append(req.then)
            result.recorded = True
        return result

    # --- central ----------------------------------------------------------------------

    @activity.defn(name="abort_uploads")
    async def abort_uploads(self, ref: ObjectRef) -> int:
        return await self._answer("abort_uploads", ref, lambda _: 0)

    @activity.defn(name="delete_object")
    async def delete_object(self, ref: ObjectRef) -> None:
        await self._answer("delete_object", ref, lambda _: None)

    @activity.defn(name="jenkins_build")
    async def run_build(self, req: JenkinsRequest) -> JenkinsResult:
        return await self._answer("jenkins_build", req, _built)

    @activity.defn(name="jenkins_stop")
    async def stop_build(self, ref: BuildRef) -> str:
        return await self._answer("jenkins_stop", ref, lambda _: "stopped")

    @activity.defn(name="call_webhook")
    async def call_webhook(self, req: WebhookRequest) -> WebhookResult:
        return await self._answer("call_webhook", req, lambda _: WebhookResult(200, "ok"))

    @activity.defn(name="analyze_excerpt")
    async def analyze_excerpt(self, req: AnalyzeRequest) -> Analysis:
        return await self._answer("analyze_excerpt", req, _analysis)

    @activity.defn(name="send_notification")
    async def send_notification(self, req: NotifyRequest) -> NotifyResult:
        return await self._answer("send_notification", req, lambda r: NotifyResult(r.channels))

    @activity.defn(name="queue_failure_notice")
    async def queue_failure_notice(self, notice: FailureNotice) -> str:
        return await self._answer("queue_failure_notice", notice, lambda _: "queued")

    # --- the agent's host queue -------------------------------------------------------

    @activity.defn(name="upload_file")
    async def upload_file(self, req: UploadRequest) -> UploadResult:
        return await self._answer("upload_file", req, _uploaded)

    @activity.defn(name="archive_file")
    async def archive_file(self, req: ArchiveRequest) -> ArchiveResult:
        return await self._answer("archive_file", req, lambda r: ArchiveResult(r.action, r.to))

    @activity.defn(name="run_script")
    async def run_script(self, req: ScriptRequest) -> ScriptResult:
        return await self._answer("run_script", req, lambda _: ScriptResult(0, "done", False, 5))

    @activity.defn(name="extract_excerpt")
    async def extract_excerpt(self, req: ExcerptRequest) -> Excerpt:
        return await self._answer(
            "extract_excerpt", req, lambda _: Excerpt("ERROR boom", 1, False, LogFindings())
        )

    def central(self) -> list[Callable[..., Any]]:
        """The activities of the central worker (sluice/worker.py), local ones included."""
        return [
            self.resolve_route,
            self.record,
            self.verify_object,
            self.abort_uploads,
            self.delete_object,
            self.run_build,
            self.stop_build,
            self.call_webhook,
            self.analyze_excerpt,
            self.send_notification,
            self.queue_failure_notice,
        ]

    def host(self) -> list[Callable[..., Any]]:
        """The activities of an agent's host worker (its files are only readable there)."""
        return [self.upload_file, self.archive_file, self.run_script, self.extract_excerpt]

    async def _answer(self, name: str, arg: Any, default: Callable[[Any], Any]) -> Any:
        self.calls.append((name, copy.deepcopy(arg)))
        outcomes = self._script.get(name)
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is None:
            outcome = default
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, Block):
            return await self._block(outcome)
        return outcome(arg) if callable(outcome) else outcome

    async def _block(self, block: Block) -> Any:
        self.blocked.set()
        try:
            while True:
                activity.heartbeat()
                await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            if block.then is not None:
                raise block.then from None
            raise


def _uploaded(req: UploadRequest) -> UploadResult:
    return UploadResult(req.bucket, req.key, req.expected_size, SHA256, "etag-1", parts=1)


def _built(req: JenkinsRequest) -> JenkinsResult:
    build = BuildRef(req.server, req.job, number=7, url=f"http://jenkins.test/job/{req.job}/7/")
    return JenkinsResult(build, "SUCCESS", 1000)


def _analysis(req: AnalyzeRequest) -> Analysis:
    return Analysis(
        summary=f"{req.file_name}: one error",
        severity="error",
        key_errors=["ERROR boom"],
        causes=["a bug"],
        suggestions=["fix it"],
        confidence=0.9,
    )
