"""Start FileWorkflow runs: the one place that knows their ids, queue and search attributes."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)

from sluice.contracts import DetectedFile, FileWorkflowInput, FileWorkflowResult

# Started by name so the agent never imports workflow code (and what it pulls in).
FILE_WORKFLOW = "FileWorkflow"
DECIDE_UPDATE = "decide"  # FileWorkflow's update: an ApprovalDecision for the waiting step
PROGRESS_QUERY = "progress"  # FileWorkflow's query: its TaskProgress

AGENT = SearchAttributeKey.for_keyword("SluiceAgent")
HOST = SearchAttributeKey.for_keyword("SluiceHost")
FILE_NAME = SearchAttributeKey.for_keyword("SluiceFileName")
STATUS = SearchAttributeKey.for_keyword("SluiceStatus")


async def start_file_workflow(
    client: Client, inp: FileWorkflowInput, *, task_queue: str, workflow_id: str | None = None
) -> WorkflowHandle[Any, FileWorkflowResult]:
    """Start the run for `inp.file`; raises WorkflowAlreadyStartedError if that id ran before.

    The id defaults to the file's deterministic id, and ids are never reused, so the same
    file detected twice runs once.
    """
    file = inp.file
    return await client.start_workflow(
        FILE_WORKFLOW,
        inp,
        result_type=FileWorkflowResult,
        id=workflow_id or file.workflow_id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=file_summary(file),
        static_details=file_details(inp),
        search_attributes=file_search_attributes(file),
    )


def file_search_attributes(file: DetectedFile) -> TypedSearchAttributes:
    """What the Temporal UI lists and filters a file's run by; its status starts `pending`."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(AGENT, file.agent_id),
            SearchAttributePair(HOST, file.host),
            SearchAttributePair(FILE_NAME, file.name),
            SearchAttributePair(STATUS, "pending"),
        ]
    )


def file_where(file: DetectedFile) -> str:
    """`host:/root/rel/path`, as logs and the Temporal UI name a file."""
    return f"{file.host}:{file.root.rstrip('/')}/{file.rel_path}"


def file_summary(file: DetectedFile) -> str:
    """What the Temporal UI lists for the run: `host:path (size)`."""
    return f"{file_where(file)} ({_size(file.size)})"


def file_details(inp: FileWorkflowInput) -> str:
    """The run's file in the Temporal UI's details (Markdown); the rule follows as current
    details once routing chose it."""
    file = inp.file
    lines = [
        f"**{file.name}** on {file.host} (agent {file.agent_id})",
        f"- path: {file.root.rstrip('/')}/{file.rel_path}",
        f"- size: {file.size} bytes ({_size(file.size)})",
        f"- detected: {file.detected_at}",
    ]
    if inp.retry_of:
        lines.append(f"- retry of: {inp.retry_of}")
    return "\n".join(lines)


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
