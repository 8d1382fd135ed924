"""Reports: one day's uploads, failures and stuck tasks (also sent daily to channels)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import require
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES
from store import dashboard as dashboard_service
from store.agents import Liveness
from store.models import Role, utcnow
from store.models.common import ApiDay
from store.models.dashboard import DailyReport

router = APIRouter(
    prefix="/reports",
    tags=["reports"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.operator, Role.viewer))],
)


@router.get("/daily", response_model=DailyReport)
def daily_report(
    session: SessionDep,
    settings: SettingsDep,
    day: Annotated[ApiDay | None, Query(alias="date", description="YYYY-MM-DD (today)")] = None,
) -> DailyReport:
    """One day in `reports.time_zone`: volume, sizes, failure rate and classes, stuck tasks."""
    now = utcnow()
    cfg = settings.reports
    return dashboard_service.daily_report(
        session,
        day=day or dashboard_service.report_day(now, cfg.time_zone),
        time_zone=cfg.time_zone,
        top=cfg.top,
        stuck_after=timedelta(seconds=cfg.stuck_after),
        liveness=Liveness.of(settings.monitor),
        now=now,
    )
