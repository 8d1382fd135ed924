"""Contracts of the scheduled workflows: the agent monitor and the daily report.

Only small values travel: agent identities, and the report's summary (bounded lists).
"""

# No `from __future__ import annotations` here: Temporal resolves these dataclasses' field
# types inside the workflow sandbox (see sluice/actions.py).
from dataclasses import dataclass, field
from typing import Any

AGENT_MONITOR_STEP = "agent_monitor"  # `notifications.step` of the sends below
DAILY_REPORT_STEP = "daily_report"


@dataclass
class AgentMonitorInput:
    offline_after_s: float
    channels: list[str] = field(default_factory=list)  # told about agents that went offline


@dataclass
class OfflineCheck:
    offline_after_s: float


@dataclass
class OfflineAgent:
    """An agent the monitor just marked offline, as a message describes it."""

    id: str
    hostname: str
    ip: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    last_heartbeat_at: str = ""  # ISO 8601 UTC; "" if it never reported
    silent_s: float = 0.0  # heartbeat lag when it was marked


@dataclass
class AgentMonitorResult:
    went_offline: list[str]
    notified: list[str] = field(default_factory=list)  # channels that got the message


@dataclass
class AgentMonitorLoopInput:
    """The long-lived monitor of one task queue: a check every `interval_s` seconds."""

    check: AgentMonitorInput
    interval_s: float


@dataclass
class AgentMonitorStatus:
    """What the monitor loop answers to its `status` query."""

    checks: int  # in this run (a run continues as new after MONITOR_CHECKS_PER_RUN)
    last: AgentMonitorResult | None
    interval_s: float


@dataclass
class EventNotice:
    """One message of an event without a task (`agent_offline`, `daily_report`) to one channel."""

    channel: str
    event: str
    step: str
    values: dict[str, Any]  # what the event's template sees
    count: int = 1  # events in the message (agents that went offline)


@dataclass
class DailyReportInput:
    channels: list[str]
    time_zone: str = "UTC"
    stuck_after_s: float = 3600.0
    top: int = 10


@dataclass
class DailyReportRequest:
    as_of: str  # ISO 8601; the report covers the day before this instant, in time_zone
    time_zone: str
    stuck_after_s: float
    top: int


@dataclass
class DailyReportSummary:
    date: str
    report: dict[str, Any]  # GET /reports/daily's body for that date, as JSON values


@dataclass
class DailyReportResult:
    date: str
    sent: list[str] = field(default_factory=list)
