"""Aggregates over the tasks created in a time window, in SQL that SQLite and PostgreSQL share.

Every query narrows on `tasks.created_at` first (an index range scan) and groups in the
database; percentiles are ordered OFFSET queries, so nothing scales with the window in Python.
Bucket and size-class numbers come from CASE expressions grouped through a subquery, because
PostgreSQL does not match a CASE with bound parameters in GROUP BY to the one in SELECT.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, FunctionElement, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, case, col, select

from store.models import FileEvent, RoutingRule, Task, TaskStatus
from store.models.dashboard import (
    Bucket,
    Dwell,
    ErrorClassCount,
    Outcomes,
    RuleFailureCount,
    SizeBucket,
    StuckTask,
    StuckTasks,
)

MiB = 1024 * 1024
# (label, min bytes inclusive, max bytes exclusive or None)
SIZE_CLASSES: tuple[tuple[str, int, int | None], ...] = (
    ("< 1 MiB", 0, MiB),
    ("1-10 MiB", MiB, 10 * MiB),
    ("10-100 MiB", 10 * MiB, 100 * MiB),
    ("100 MiB-1 GiB", 100 * MiB, 1024 * MiB),
    (">= 1 GiB", 1024 * MiB, None),
)
IN_PROGRESS = (
    TaskStatus.pending,
    TaskStatus.running,
    TaskStatus.retrying,
    TaskStatus.waiting_approval,
)
# Not waiting for a person: a task in one of these for too long is stuck.
STUCK_STATUSES = (TaskStatus.pending, TaskStatus.running, TaskStatus.retrying)
STUCK_LISTED = 20
UNCLASSIFIED = "unclassified"
NO_RULE = "(no rule)"


class seconds_between(FunctionElement[float]):
    """`end - start` in seconds, for two timestamp columns, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    # julianday() is a double of days: good to ~10 µs at today's dates, so round to the ms
    return f"ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


def created_in(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [col(Task.created_at) >= start, col(Task.created_at) < end]


def outcomes(session: Session, *, start: datetime, end: datetime) -> Outcomes:
    """Tasks created in [start, end) by their status now, and the bytes that succeeded."""
    query = (
        select(col(Task.status), func.count(), func.coalesce(func.sum(col(Task.size)), 0))
        .where(*created_in(start, end))
        .group_by(col(Task.status))
    )
    counts: dict[str, int] = {}
    uploaded = 0
    for status, n, total in session.exec(query):
        counts[str(status)] = int(n)
        if status == TaskStatus.succeeded:
            uploaded = int(total or 0)
    succeeded, failed = counts.get(TaskStatus.succeeded, 0), counts.get(TaskStatus.failed, 0)
    return Outcomes(
        files=sum(counts.values()),
        succeeded=succeeded,
        failed=failed,
        cancelled=counts.get(TaskStatus.cancelled, 0),
        ignored=counts.get(TaskStatus.ignored, 0),
        in_progress=sum(counts.get(s, 0) for s in IN_PROGRESS),
        bytes=uploaded,
        success_rate=ratio(succeeded, succeeded + failed),
    )


def buckets(session: Session, *, start: datetime, end: datetime, size: timedelta) -> list[Bucket]:
    """Tasks per `size`-long bucket from `start`, by creation time."""
    edges = bucket_starts(start, end, size)
    index = _class_of(col(Task.created_at), edges[1:]).label("bucket")
    rows = select(index, col(Task.status), col(Task.size)).where(*created_in(start, end))
    sub = rows.subquery()
    query = select(
        sub.c.bucket, sub.c.status, func.count(), func.coalesce(func.sum(sub.c.size), 0)
    ).group_by(sub.c.bucket, sub.c.status)
    result = [Bucket(start=at, files=0, succeeded=0, failed=0, bytes=0) for at in edges]
    for i, status, n, total in session.exec(query):
        bucket = result[int(i)]
        bucket.files += int(n)
        if status == TaskStatus.succeeded:
            bucket.succeeded, bucket.bytes = int(n), int(total or 0)
        elif status == TaskStatus.failed:
            bucket.failed = int(n)
    return result


def bucket_starts(start: datetime, end: datetime, size: timedelta) -> list[datetime]:
    count = max(1, -(-(end - start) // size))  # ceiling division
    return [start + i * size for i in range(count)]


def size_classes(session: Session, *, start: datetime, end: datetime) -> list[SizeBucket]:
    """Files created in the window by size class (files of unknown size are left out)."""
    uppers = [upper for _label, _lower, upper in SIZE_CLASSES if upper is not None]
    size = col(Task.size)
    index = _class_of(size, uppers).label("size_class")
    sub = select(index).where(*created_in(start, end), size.is_not(None)).subquery()
    query = select(sub.c.size_class, func.count()).group_by(sub.c.size_class)
    counts = {int(i): int(n) for i, n in session.exec(query)}
    return [
        SizeBucket(label=label, min_bytes=lower, max_bytes=upper, files=counts.get(i, 0))
        for i, (label, lower, upper) in enumerate(SIZE_CLASSES)
    ]


def failures_by_class(
    session: Session, *, start: datetime, end: datetime, top: int
) -> list[ErrorClassCount]:
    """The `top` error classes of the window's failed tasks, most frequent first."""
    n = func.count().label("n")
    error_class = col(Task.error_class)
    query = (
        select(error_class, n)
        .where(*created_in(start, end), col(Task.status) == TaskStatus.failed)
        .group_by(error_class)
        .order_by(n.desc(), error_class)
        .limit(top)
    )
    return [
        ErrorClassCount(error_class=name or UNCLASSIFIED, count=int(count))
        for name, count in session.exec(query)
    ]


def failures_by_rule(
    session: Session, *, start: datetime, end: datetime, top: int
) -> list[RuleFailureCount]:
    """The `top` rules by failed tasks in the window, most failures first."""
    n = func.count().label("n")
    rule_id, name = col(Task.rule_id), col(RoutingRule.name)
    query = (
        select(rule_id, name, n)
        .outerjoin(RoutingRule, col(RoutingRule.id) == rule_id)
        .where(*created_in(start, end), col(Task.status) == TaskStatus.failed)
        .group_by(rule_id, name)
        .order_by(n.desc(), rule_id.asc().nulls_last())  # NULLs sort apart on each DB
        .limit(top)
    )
    return [
        RuleFailureCount(rule_id=rid, rule=rule or NO_RULE, count=int(count))
        for rid, rule, count in session.exec(query)
    ]


def dwell(session: Session, *, start: datetime, end: datetime) -> Dwell:
    """Detection-to-success seconds of the window's succeeded tasks: p50, p95 (nearest rank)."""
    seconds = seconds_between(col(FileEvent.detected_at), col(Task.finished_at))
    where = [
        *created_in(start, end),
        col(Task.status) == TaskStatus.succeeded,
        col(Task.finished_at).is_not(None),
    ]
    on = col(FileEvent.id) == col(Task.file_event_id)
    count, longest = session.exec(
        select(func.count(), func.max(seconds)).select_from(Task).join(FileEvent, on).where(*where)
    ).one()
    if not count:
        return Dwell(count=0, p50_s=None, p95_s=None, max_s=None)
    ordered = select(seconds).select_from(Task).join(FileEvent, on).where(*where).order_by(seconds)

    def percentile(p: int) -> float:
        rank = (p * count + 99) // 100  # nearest rank: ceil(p/100 * n), 1-based
        return float(session.exec(ordered.offset(rank - 1).limit(1)).one())

    return Dwell(count=int(count), p50_s=percentile(50), p95_s=percentile(95), max_s=float(longest))


def stuck_tasks(
    session: Session, *, before: datetime, threshold_s: float, now: datetime
) -> StuckTasks:
    """Tasks created before `before` that are still pending or running (oldest listed)."""
    where = [col(Task.status).in_(STUCK_STATUSES), col(Task.created_at) < before]
    count = session.exec(select(func.count()).select_from(Task).where(*where)).one()
    oldest = session.exec(
        select(Task, col(FileEvent.rel_path))
        .outerjoin(FileEvent, col(FileEvent.id) == col(Task.file_event_id))
        .where(*where)
        .order_by(col(Task.created_at), col(Task.id))
        .limit(STUCK_LISTED)
    )
    listed = [
        StuckTask(
            id=task.id,
            status=str(task.status),
            agent_id=task.agent_id,
            rel_path=rel_path,
            created_at=task.created_at,
            age_s=(now - task.created_at).total_seconds(),
        )
        for task, rel_path in oldest
    ]
    return StuckTasks(threshold_s=threshold_s, count=int(count), oldest=listed)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _class_of(value: Any, uppers: Sequence[Any]) -> ColumnElement[int]:
    """0 below uppers[0], 1 below uppers[1], ..., len(uppers) from the last one on."""
    if not uppers:
        return literal(0)
    return case(
        *((value < upper, literal(i)) for i, upper in enumerate(uppers)),
        else_=literal(len(uppers)),
    )
