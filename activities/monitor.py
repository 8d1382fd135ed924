"""Side effects of the scheduled workflows: mark silent agents offline, build the daily
report, and send their messages to channels (each send recorded in `notifications`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notify import NotifyActivities
from activities.notify.store import ChannelStore
from activities.notify.templates import render_message
from sluice.monitoring import (
    DailyReportRequest,
    DailyReportSummary,
    EventNotice,
    OfflineAgent,
    OfflineCheck,
)
from sluice.settings import MonitorSettings
from store.agents import Liveness, mark_offline
from store.dashboard import daily_report, report_day
from store.models import Agent, Channel, utcnow


class MonitorActivities:
    def __init__(
        self,
        engine: Engine,
        channels: ChannelStore,
        notify: NotifyActivities,
        monitor: MonitorSettings,
    ) -> None:
        self._engine = engine
        self._channels = channels
        self._notify = notify
        self._liveness = Liveness.of(monitor)

    @activity.defn(name="mark_offline_agents")
    def mark_offline_agents(self, check: OfflineCheck) -> list[OfflineAgent]:
        """Mark agents silent past the threshold offline; only the ones this run moved."""
        now = utcnow()
        offline_after = timedelta(seconds=check.offline_after_s)
        with Session(self._engine) as session:
            moved = mark_offline(session, offline_after=offline_after, now=now)
            return [_offline(agent, now) for agent in moved]

    @activity.defn(name="build_daily_report")
    def build_daily_report(self, req: DailyReportRequest) -> DailyReportSummary:
        """The report of the day before `as_of` in the report's time zone."""
        day = report_day(datetime.fromisoformat(req.as_of), req.time_zone, days_back=1)
        with Session(self._engine) as session:
            report = daily_report(
                session,
                day=day,
                time_zone=req.time_zone,
                top=req.top,
                stuck_after=timedelta(seconds=req.stuck_after_s),
                liveness=self._liveness,
                now=utcnow(),
            )
        return DailyReportSummary(day.isoformat(), report.model_dump(mode="json"))

    @activity.defn(name="send_event")
    async def send_event(self, notice: EventNotice) -> None:
        """Render the event's template and send it to one channel."""
        channel = await asyncio.to_thread(self._channels.load, notice.channel)
        try:
            message = render_message(notice.event, notice.values)
        except Exception as exc:  # a template error: retrying won't help
            raise ApplicationError(
                f"message template for {notice.event}: {type(exc).__name__}: {exc}",
                type="invalid_input",
                non_retryable=True,
            ) from exc
        await self._notify.deliver(
            channel, message, task_id=None, step=notice.step, count=notice.count
        )


def unknown_channels(engine: Engine, names: list[str]) -> list[str]:
    """The names in `names` that no channel has (checked when the worker starts)."""
    if not names:
        return []
    with Session(engine) as session:
        known = set(session.exec(select(Channel.name).where(col(Channel.name).in_(names))))
    return sorted(set(names) - known)


def _offline(agent: Agent, now: datetime) -> OfflineAgent:
    seen = agent.last_heartbeat_at
    return OfflineAgent(
        id=agent.id,
        hostname=agent.hostname,
        ip=agent.ip,
        labels=dict(agent.labels),
        last_heartbeat_at=seen.isoformat() if seen else "",
        silent_s=round((now - seen).total_seconds(), 1) if seen else 0.0,
    )
