"""The dashboard (a recent period or a range, in buckets) and the daily report of one day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from store import stats
from store.agents import Liveness, count_by_status
from store.models.dashboard import (
    AgentCounts,
    DailyReport,
    Dashboard,
    StuckTasks,
    Throughput,
    Window,
)

# A named period and its bucket; the window ends with the bucket that holds `now`.
PERIODS = {
    "1h": (timedelta(hours=1), timedelta(minutes=5)),
    "24h": (timedelta(days=1), timedelta(hours=1)),
    "7d": (timedelta(days=7), timedelta(hours=6)),
}
# For an explicit range: the smallest of these that gives at most MAX_BUCKETS buckets.
BUCKET_SIZES = tuple(
    timedelta(minutes=m) for m in (1, 5, 15, 60, 3 * 60, 6 * 60, 12 * 60, 24 * 60, 7 * 24 * 60)
)
MAX_BUCKETS = 60
MAX_RANGE = timedelta(days=400)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidWindow(ValueError):
    """A range that ends before it starts, or spans more than MAX_RANGE."""


def period_window(period: str, *, now: datetime) -> Window:
    """The last `period` (1h, 24h, 7d), aligned to its buckets so refreshes line up."""
    span, size = PERIODS[period]
    end = EPOCH + ((now - EPOCH) // size + 1) * size
    return Window(start=end - span, end=end, bucket_seconds=int(size.total_seconds()))


def range_window(start: datetime, end: datetime) -> Window:
    """[start, end) in buckets of a size that keeps their number at MAX_BUCKETS or below."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        raise InvalidWindow("`to` must be after `from`")
    if end - start > MAX_RANGE:
        raise InvalidWindow(f"a range may span at most {MAX_RANGE.days} days")
    size = next(s for s in BUCKET_SIZES if (end - start) / s <= MAX_BUCKETS)
    return Window(start=start, end=end, bucket_seconds=int(size.total_seconds()))


def dashboard(
    session: Session,
    *,
    window: Window,
    top: int,
    stuck_after: timedelta,
    liveness: Liveness,
    now: datetime,
) -> Dashboard:
    """Files, outcomes, dwell and failures of the tasks created in `window`."""
    start, end = window.start, window.end
    totals = stats.outcomes(session, start=start, end=end)
    passed = max((min(end, now) - start).total_seconds(), 1.0)
    size = timedelta(seconds=window.bucket_seconds)
    return Dashboard(
        window=window,
        totals=totals,
        buckets=stats.buckets(session, start=start, end=end, size=size),
        throughput=Throughput(
            files_per_hour=totals.succeeded * 3600 / passed,
            bytes_per_second=totals.bytes / passed,
        ),
        dwell=stats.dwell(session, start=start, end=end),
        failures_by_class=stats.failures_by_class(session, start=start, end=end, top=top),
        failures_by_rule=stats.failures_by_rule(session, start=start, end=end, top=top),
        stuck=_stuck(session, before=now - stuck_after, stuck_after=stuck_after, now=now),
        agents=agent_counts(session, liveness=liveness, now=now),
    )


def daily_report(
    session: Session,
    *,
    day: date,
    time_zone: str,
    top: int,
    stuck_after: timedelta,
    liveness: Liveness,
    now: datetime,
) -> DailyReport:
    """The calendar day `day` in `time_zone`, hour by hour (23 or 25 hours on DST changes).

    Stuck tasks are the ones created before the day ended (and `stuck_after` ago) that are
    still pending or running now.
    """
    zone = ZoneInfo(time_zone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    hour = timedelta(hours=1)
    totals = stats.outcomes(session, start=start, end=end)
    return DailyReport(
        date=day,
        time_zone=time_zone,
        window=Window(start=start, end=end, bucket_seconds=int(hour.total_seconds())),
        totals=totals,
        failure_rate=stats.ratio(totals.failed, totals.succeeded + totals.failed),
        sizes=stats.size_classes(session, start=start, end=end),
        buckets=stats.buckets(session, start=start, end=end, size=hour),
        dwell=stats.dwell(session, start=start, end=end),
        failures_by_class=stats.failures_by_class(session, start=start, end=end, top=top),
        failures_by_rule=stats.failures_by_rule(session, start=start, end=end, top=top),
        stuck=_stuck(session, before=min(end, now - stuck_after), stuck_after=stuck_after, now=now),
        agents=agent_counts(session, liveness=liveness, now=now),
    )


def report_day(as_of: datetime, time_zone: str, *, days_back: int = 0) -> date:
    """The calendar date in `time_zone` at `as_of`, minus `days_back` days."""
    return as_of.astimezone(ZoneInfo(time_zone)).date() - timedelta(days=days_back)


def agent_counts(session: Session, *, liveness: Liveness, now: datetime) -> AgentCounts:
    counts = count_by_status(session, liveness=liveness, now=now)
    return AgentCounts(**counts, total=sum(counts.values()))


def _stuck(
    session: Session, *, before: datetime, stuck_after: timedelta, now: datetime
) -> StuckTasks:
    threshold = stuck_after.total_seconds()
    return stats.stuck_tasks(session, before=before, threshold_s=threshold, now=now)


def _aware(value: datetime) -> datetime:
    """A datetime without an offset is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
