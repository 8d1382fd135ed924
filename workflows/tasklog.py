"""What FileWorkflow tells people: a log line per finished task and per failed attempt (not
on replay), and its plan in the Temporal UI."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio import workflow

from sluice.contracts import DetectedFile, Plan
from sluice.logs.context import file_ids
from sluice.starts import file_where
from workflows.attempts import StepFailed

log = logging.getLogger("sluice.tasks")


def task_finished(file: DetectedFile, status: str, error_class: str = "", error: str = "") -> None:
    """`task <id> <status> <host:path> in <s>s [(<class>: <error>)]`."""
    if workflow.unsafe.is_replaying():
        return
    info = workflow.info()
    took = (workflow.now() - info.start_time).total_seconds()
    why = f" ({error_class}: {_short(error)})" if error_class else ""
    level = logging.INFO if status in ("succeeded", "ignored") else logging.WARNING
    log.log(
        level, "task %s %s %s in %.1fs%s", info.workflow_id, status, file_where(file), took, why,
        extra={**file_ids(info.workflow_id), "agent_id": file.agent_id},
    )  # fmt: skip


def attempt_failed(
    file: DetectedFile, step: str, attempt: int, failed: StepFailed, retry_in: timedelta | None
) -> None:
    """`step <name> attempt <n> failed for <host:path> (<class>: <error>); retry in <s>s`."""
    if workflow.unsafe.is_replaying():
        return
    info = workflow.info()
    then = f"retry in {retry_in.total_seconds():g}s" if retry_in else "no more attempts"
    log.warning(
        "step %s attempt %d failed for %s (%s: %s); %s",
        step, attempt, file_where(file), failed.error_class, _short(failed.message), then,
        extra={**file_ids(info.workflow_id), "agent_id": file.agent_id},
    )  # fmt: skip


def _short(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def plan_details(plan: Plan) -> str:
    """The Temporal UI's current details of a routed run: its rule and steps (Markdown)."""
    if plan.action == "ignore":
        return "no rule matched: ignored"
    rule = f"rule **{plan.rule_name}** v{plan.rule_version}" if plan.rule_name else "default"
    stages = " → ".join(" + ".join(step.name for step in stage) for stage in plan.stages)
    return f"{rule}: {stages}"
