"""The ids a log line belongs to, kept in a context variable so every line in that context
(a request, an activity, an agent process) carries them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

FIELDS = ("request_id", "workflow_id", "task_id", "agent_id")

# Workflows whose id is the id of the task they record (store.records: workflow_id = task id).
TASK_WORKFLOWS = frozenset({"FileWorkflow", "ManualTriggerWorkflow"})

_ids: ContextVar[Mapping[str, str] | None] = ContextVar("sluice_log_ids", default=None)
_process_ids: dict[str, str] = {}


def current_ids() -> Mapping[str, str]:
    """The ids bound in this context, over the process-wide ones."""
    return {**_process_ids, **(_ids.get() or {})}


def bind_process(**ids: str | None) -> None:
    """Ids for every line of this process (an agent's id)."""
    _process_ids.update({k: v for k, v in ids.items() if v})


@contextlib.contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """Add `ids` to the lines logged inside the block (and the tasks it starts)."""
    token = _ids.set({**(_ids.get() or {}), **{k: v for k, v in ids.items() if v}})
    try:
        yield
    finally:
        _ids.reset(token)


def ids_of_workflow(workflow_id: str, workflow_type: str) -> dict[str, str]:
    """workflow_id, and task_id when the workflow records a task of the same id."""
    ids = {"workflow_id": workflow_id}
    if workflow_type in TASK_WORKFLOWS:
        ids["task_id"] = workflow_id
    return ids


def file_ids(workflow_id: str) -> dict[str, str]:
    """A FileWorkflow's ids, for `extra=` where a line names one outside its context."""
    return {"workflow_id": workflow_id, "task_id": workflow_id}


def _temporal_ids(record: logging.LogRecord) -> dict[str, str]:
    """The ids the SDK's workflow.logger / activity.logger put on their records."""
    details: Any = getattr(record, "temporal_workflow", None) or getattr(
        record, "temporal_activity", None
    )
    if not isinstance(details, Mapping) or "workflow_id" not in details:
        return {}
    return ids_of_workflow(details["workflow_id"], details.get("workflow_type", ""))


class ContextFilter(logging.Filter):
    """Copy the context ids onto each record (never overriding what the call site set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in {**current_ids(), **_temporal_ids(record)}.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True
