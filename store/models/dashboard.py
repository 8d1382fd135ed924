"""What the dashboard and the daily report show: aggregates over tasks created in a window.

A task counts in the window (and bucket) in which it was created, with the status it has
now; a retry is a new task, so a file retried once counts twice.
"""

from datetime import date, datetime

from pydantic import BaseModel


class Window(BaseModel):
    start: datetime  # inclusive
    end: datetime  # exclusive
    bucket_seconds: int


class Outcomes(BaseModel):
    files: int  # tasks created in the window
    succeeded: int
    failed: int
    cancelled: int
    ignored: int  # no rule matched and unmatched files are ignored
    in_progress: int  # pending, running, retrying, waiting for approval
    bytes: int  # size of the succeeded files
    success_rate: float | None  # succeeded / (succeeded + failed); None before either


class Bucket(BaseModel):
    start: datetime
    files: int
    succeeded: int
    failed: int
    bytes: int  # size of the succeeded files


class Throughput(BaseModel):
    """Succeeded files and their bytes over the part of the window that has passed."""

    files_per_hour: float
    bytes_per_second: float


class Dwell(BaseModel):
    """Seconds from detection to success, of the window's succeeded files (nearest rank)."""

    count: int
    p50_s: float | None
    p95_s: float | None
    max_s: float | None


class ErrorClassCount(BaseModel):
    error_class: str  # "unclassified" when the failure recorded none
    count: int


class RuleFailureCount(BaseModel):
    rule_id: int | None  # None: failed before a rule was chosen, or no rule matched
    rule: str
    count: int


class AgentCounts(BaseModel):
    online: int
    stale: int
    offline: int
    total: int


class StuckTask(BaseModel):
    id: str
    status: str
    agent_id: str | None
    rel_path: str | None
    created_at: datetime
    age_s: float


class StuckTasks(BaseModel):
    """Tasks still pending or running longer than `threshold_s` (the oldest 20 listed)."""

    threshold_s: float
    count: int
    oldest: list[StuckTask]


class SizeBucket(BaseModel):
    label: str
    min_bytes: int  # inclusive
    max_bytes: int | None  # exclusive; None: no upper bound
    files: int


class Dashboard(BaseModel):
    window: Window
    totals: Outcomes
    buckets: list[Bucket]
    throughput: Throughput
    dwell: Dwell
    failures_by_class: list[ErrorClassCount]
    failures_by_rule: list[RuleFailureCount]
    stuck: StuckTasks
    agents: AgentCounts


class DailyReport(BaseModel):
    """One calendar day in `time_zone`, hour by hour."""

    date: date
    time_zone: str
    window: Window
    totals: Outcomes
    failure_rate: float | None  # failed / (succeeded + failed)
    sizes: list[SizeBucket]
    buckets: list[Bucket]
    dwell: Dwell
    failures_by_class: list[ErrorClassCount]
    failures_by_rule: list[RuleFailureCount]
    stuck: StuckTasks
    agents: AgentCounts
