"""The dashboard: files, outcomes, dwell times and failures over a recent period or a range."""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import require
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError
from store import dashboard as dashboard_service
from store.agents import Liveness
from store.models import Role, utcnow
from store.models.common import ApiTime
from store.models.dashboard import Dashboard

router = APIRouter(
    prefix="/dashboard",
    tags=["dashboard"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.operator, Role.viewer))],
)


@router.get("", response_model=Dashboard)
def get_dashboard(
    session: SessionDep,
    settings: SettingsDep,
    period: Literal["1h", "24h", "7d"] = "24h",
    start: Annotated[ApiTime | None, Query(alias="from")] = None,
    end: Annotated[ApiTime | None, Query(alias="to")] = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Dashboard:
    """Files and bytes per bucket, success rate, dwell p50/p95, top failures, agents online.

    Covers the last `period`, or `from`..`to` (ISO 8601, UTC unless an offset is given; `to`
    defaults to now) when `from` is given. Tasks count where they were created.
    """
    now = utcnow()
    if start is None and end is not None:
        raise ApiError(422, "invalid_request", "`to` needs `from`")
    try:
        window = (
            dashboard_service.period_window(period, now=now)
            if start is None
            else dashboard_service.range_window(start, end or now)
        )
    except dashboard_service.InvalidWindow as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    return dashboard_service.dashboard(
        session,
        window=window,
        top=top,
        stuck_after=timedelta(seconds=settings.reports.stuck_after),
        liveness=Liveness.of(settings.monitor),
        now=now,
    )
