"""Status vocabularies stored as plain strings in the metadata DB."""

from enum import StrEnum


class TaskStatus(StrEnum):
    pending = "pending"
    running = "running"
    retrying = "retrying"
    waiting_approval = "waiting_approval"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    ignored = "ignored"  # no rule matched and the unmatched default is to ignore

    @property
    def is_finished(self) -> bool:
        return self in _FINISHED_TASK


class StepStatus(StrEnum):
    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    skipped = "skipped"
    cancelled = "cancelled"
    compensated = "compensated"

    @property
    def is_finished(self) -> bool:
        return self not in (StepStatus.pending, StepStatus.running)


class AgentStatus(StrEnum):
    online = "online"
    stale = "stale"  # shown only: heartbeats are late, not yet offline
    offline = "offline"


class NotificationStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Role(StrEnum):
    admin = "admin"
    operator = "operator"
    viewer = "viewer"
    agent = "agent"
    alert_source = "alert-source"  # may only post alerts
    config_agent = "config-agent"  # a config sidecar: its target's desired files and status


_FINISHED_TASK = frozenset(
    {TaskStatus.succeeded, TaskStatus.failed, TaskStatus.cancelled, TaskStatus.ignored}
)
