"""Asking an agent about its host from the API: HostQueryWorkflow runs one activity on the
agent's host queue (`sluice-host-<agent>`) and returns its answer, so the API never needs
network access to the hosts. Arguments and answers are small dataclasses (JSON), bounded by
whoever defines them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HOST_QUERY_WORKFLOW = "HostQueryWorkflow"
HOST_QUERY_PREFIX = "host-query-"


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
