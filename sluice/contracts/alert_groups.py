"""What the API, AlertGroupWorkflow and its activities pass each other (small dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ALERT_GROUP_WORKFLOW = "AlertGroupWorkflow"
ALERTS_SIGNAL = "alerts_changed"


@dataclass
class GroupTimings:
    """A route's timers, in seconds (read from the live routing at every flush)."""

    group_wait: float = 30.0
    group_interval: float = 300.0
    repeat_interval: float = 4 * 3600.0
    analysis: bool = False  # the route analyses its groups without being asked
    analysis_hold: float = 0.0  # the first notification waits this long for it, at most


@dataclass
class EscalationState:
    """Where a group's escalation stands: the next step to run and when (None: stopped)."""

    step: int = 0
    round: int = 0
    due_at: datetime | None = None


@dataclass
class AckState:
    by: str = ""
    until: datetime | None = None  # the escalation resumes then; None: for good
    on_behalf_of: str = ""


@dataclass
class AlertGroupInput:
    group_id: str
    route: str
    group_labels: dict[str, str]
    timings: GroupTimings = field(default_factory=GroupTimings)
    # Carried over continue_as_new (a fresh run starts with the defaults):
    carried: bool = False
    last_flush_at: datetime | None = None
    next_repeat_at: datetime | None = None
    escalation: EscalationState | None = None
    ack: AckState | None = None
    firing: int = 0
    dirty: bool = False
    wake_at: datetime | None = None
    assignee: str = ""
    flushes: int = 0
    messages: int = 0


@dataclass
class AlertGroupResult:
    flushes: int  # over every run of this workflow chain
    messages: int  # flushes that sent a message


@dataclass
class AlertsChanged:
    """Signal: these alerts of the group changed (the flush reads what they are now)."""

    fingerprints: list[str]


@dataclass
class FlushRequest:
    group_id: str
    route: str
    group_labels: dict[str, str]
    repeat: bool = False  # the repeat interval passed: notify what still fires again


@dataclass
class FlushResult:
    timings: GroupTimings
    firing: int  # alerts of the group firing now (silenced or not)
    notified: bool  # a message went out
    settled: bool  # nothing fires and every resolution was told (or needs no telling)
    escalation: str | None = None  # the route's escalation policy
    escalation_wait: float = 0.0  # before its first step
    wake_in: float | None = None  # flush again then (a silence ends, the route opens)
    inactive: bool = False  # the route is outside its active time: nothing was sent


@dataclass
class EscalationRequest:
    group_id: str
    route: str
    policy: str
    step: int
    round: int


@dataclass
class EscalationResult:
    """`sent`: the step notified; else `retry_in` seconds (outside its window) or `stop`."""

    sent: bool = False
    retry_in: float | None = None
    stop: bool = False
    next_wait: float | None = None  # the wait before the next step (None: policy done)
    next_step: int = 0
    next_round: int = 0


@dataclass
class GroupAction:
    """An operator's decision, recorded as alert events: ack, unack, assign, resolve."""

    group_id: str
    action: str
    by: str
    until: datetime | None = None
    to: str = ""
    escalation_step: int = 0
    on_behalf_of: str = ""


# `by`: the signed-in token's name (the API sets it); `on_behalf_of`: free text it adds.
@dataclass
class AckRequest:
    by: str
    until: datetime | None = None
    on_behalf_of: str = ""


@dataclass
class AssignRequest:
    by: str
    to: str
    on_behalf_of: str = ""


@dataclass
class ByRequest:
    by: str
    on_behalf_of: str = ""


@dataclass
class GroupState:
    """What an update answers: the group as the workflow sees it afterwards."""

    firing: int
    acked_by: str
    acked_until: datetime | None
    assignee: str
    escalation_step: int
    acked_on_behalf_of: str = ""
