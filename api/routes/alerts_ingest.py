"""Alert receivers: Alertmanager's webhook and the Alertmanager API Prometheus posts to.

Both take an `alert-source` (or admin) token as a bearer or as basic auth's password, refuse
a bad delivery whole (400 with the reason, 413 over the cap) and answer 200 only once every
alert in it is committed. See docs/alerts.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, authenticate_alert_source
from api.deps import EngineDep, temporal_client
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody
from api.metrics import ApiMetrics
from api.services import alert_dispatch, alerts_ingest
from api.services.alerts_ingest import Delivery, Rejected
from sluice.settings import Settings
from store.models import utcnow

router = APIRouter(
    tags=["alerts"],
    responses={**ERROR_RESPONSES, 400: {"model": ErrorBody}, 413: {"model": ErrorBody}},
)
SourceDep = Annotated[Principal, Depends(authenticate_alert_source)]
STATUS_OF = {"too_large": 413}


class Accepted(BaseModel):
    """How many alerts the delivery held, and how many of them changed nothing."""

    received: int
    deduplicated: int


@router.post("/api/v1/alerts/alertmanager", response_model=Accepted)
async def alertmanager_webhook(
    request: Request, engine: EngineDep, principal: SourceDep
) -> Accepted:
    """Alertmanager's webhook (`webhook_configs`), payload version 4."""
    return await _take(request, engine, principal, alerts_ingest.parse_webhook)


@router.post("/api/v2/alerts", response_model=Accepted)
async def post_alerts(request: Request, engine: EngineDep, principal: SourceDep) -> Accepted:
    """The alerts array Prometheus and vmalert post to an Alertmanager: point their
    `alerting.alertmanagers` (or `-notifier.url`) at Sluice."""
    return await _take(request, engine, principal, alerts_ingest.parse_postable)


async def _take(
    request: Request,
    engine: EngineDep,
    principal: Principal,
    parse: Callable[[bytes, datetime], Delivery],
) -> Accepted:
    metrics: ApiMetrics = request.app.state.metrics
    body = await request.body()
    now = utcnow()
    try:
        delivery = parse(body, now)
    except Rejected as exc:
        metrics.alerts_rejected.labels(exc.reason).inc()
        raise ApiError(STATUS_OF.get(exc.reason, 400), exc.reason, str(exc)) from None
    stored = await run_in_threadpool(
        alerts_ingest.store, engine, delivery, body=body, sender=principal.name, now=now
    )
    counts = stored.counts
    if stored.outbox:  # committed already: if Temporal is down, the outbox drain retries
        settings: Settings = request.app.state.settings
        await alert_dispatch.dispatch(
            await temporal_client(request.app.state), engine, stored.outbox,
            task_queue=settings.temporal.task_queue,
        )  # fmt: skip
    metrics.alerts_received.labels(delivery.source).inc(counts["received"])
    metrics.alerts_deduplicated.labels(delivery.source).inc(counts["deduplicated"])
    return Accepted(**counts)
