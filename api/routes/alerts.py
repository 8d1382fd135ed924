"""Reading alerts: a filtered newest-first list, and one alert with its timeline."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import require
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.routes.tasks import as_utc
from api.services import alert_groups as group_service
from api.services import alerts as alert_service
from api.services.keyset import InvalidCursor
from sluice.alerting.matchers import parse_matchers
from store.models import AlertDetail, AlertEventPublic, AlertPage, AlertPublic, Role
from store.models.common import ApiTime

router = APIRouter(
    prefix="/alerts",
    tags=["alerts"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.operator, Role.viewer))],
)


@router.get("", response_model=AlertPage)
def list_alerts(
    session: SessionDep,
    status: Annotated[Literal["firing", "resolved"] | None, Query()] = None,
    severity: Annotated[str | None, Query(max_length=256)] = None,
    source: Annotated[
        str | None, Query(description="alertmanager, prometheus, agent or webhook:<name>")
    ] = None,
    match: Annotated[
        list[str] | None,
        Query(
            description="Label matchers, all must hold (at most 20): `name=value`, `name!=value`, "
            "`name=~regex`, `name!~regex` (RE2, fully anchored). A page examines a bounded "
            "number of alerts, so it may hold fewer than `limit` (even none) and still have "
            "a `next_cursor`.",
        ),
    ] = None,
    seen_from: Annotated[ApiTime | None, Query(description="Last seen at or after.")] = None,
    seen_to: Annotated[ApiTime | None, Query(description="Last seen before.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> AlertPage:
    """List alerts, the most recently reported first."""
    try:
        matchers = parse_matchers(match or [])
        page = alert_service.list_alerts(
            session,
            status=status,
            severity=severity,
            source=source,
            matchers=matchers,
            seen_from=as_utc(seen_from),
            seen_to=as_utc(seen_to),
            limit=limit,
            cursor=cursor,
        )
    except InvalidCursor as exc:
        raise ApiError(422, "invalid_cursor", str(exc)) from exc
    except ValueError as exc:
        raise ApiError(422, "invalid_matcher", str(exc)) from exc
    items = [AlertPublic.model_validate(alert) for alert in page.items]
    return AlertPage(items=items, next_cursor=page.next_cursor)


@router.get("/{fingerprint}", response_model=AlertDetail)
def get_alert(fingerprint: str, session: SessionDep) -> AlertDetail:
    """One alert, the groups it belongs to, and its timeline: every change, oldest first."""
    found = alert_service.get_alert(session, fingerprint)
    if found is None:
        raise not_found("alert", fingerprint)
    alert, events = found
    return AlertDetail.model_validate(
        alert,
        update={
            "events": [AlertEventPublic.model_validate(e) for e in events],
            "groups": group_service.groups_of(session, fingerprint),
        },
    )
