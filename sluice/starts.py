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

from sluice.contracts import FileWorkflowInput, FileWorkflowResult

# Started by name so the agent never imports workflow code (and what it pulls in).
FILE_WORKFLOW = "FileWorkflow"

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
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(AGENT, file.agent_id),
                SearchAttributePair(HOST, file.host),
                SearchAttributePair(FILE_NAME, file.name),
                SearchAttributePair(STATUS, "pending"),
            ]
        ),
    )
