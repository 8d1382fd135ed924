"""Asking an agent about its host from the API: HostQueryWorkflow runs one activity on the
agent and returns its answer, so the API never needs network access to the hosts. The
read-only views (HOST_VIEW_ACTIVITIES) run on the agent's view queue (`sluice-hostview-<agent>`),
a worker with its own small concurrency (`view_activities`), so viewers never take the upload
slots of the host queue; anything else runs on the host queue. Arguments and answers are small
dataclasses (JSON), bounded by whoever defines them.

The workflow itself runs on its own queue beside the central one (`<task_queue>-hostquery`,
polled by `sluice worker`), so a viewer's poll never waits behind the FileWorkflows' tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HOST_QUERY_WORKFLOW = "HostQueryWorkflow"
HOST_QUERY_PREFIX = "host-query-"

# The read-only host views: list, tail, follow (read_from, read_many), search, resources.
HOST_VIEW_ACTIVITIES = frozenset(
    {
        "host_list_dir", "host_tail_file", "host_read_from", "host_read_many",
        "host_search_file", "host_resources",
    }
)  # fmt: skip


def host_query_queue(task_queue: str) -> str:
    """The queue HostQueryWorkflows run on, beside the central `task_queue`."""
    return f"{task_queue}-hostquery"


def host_view_queue(agent_id: str) -> str:
    """The agent's queue for host views; never another agent's host queue (`sluice-host-…`)."""
    return f"sluice-hostview-{agent_id}"


@dataclass
class HostQuery:
    agent_id: str
    activity: str  # an activity the agent's host worker registers
    arg: dict[str, Any]  # its one argument, as JSON
    pickup_s: float = 10.0  # an agent that does not take it within this is offline
    answer_s: float = 20.0  # the activity's own time limit


@dataclass
class HostAnswer:
    """The activity's answer (`value`, JSON), or why there is none."""

    value: dict[str, Any] | None = None
    error: str = ""  # "" on success
    error_class: str = ""  # agent_offline, timeout, or the activity's ApplicationError type
