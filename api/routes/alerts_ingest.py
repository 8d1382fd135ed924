"""Alert receivers: Alertmanager's webhook and the Alertmanager API Prometheus posts to.

Both take an `alert-source` (or admin) token as a bearer or as basic auth's password, refuse
a bad delivery whole (400 with the reason, 413 over the cap) and answer 200 only once every
alert in it is committed. See docs/alerts.md.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.alert_auth import AlertSourceToken, alert_source_token, authenticate_alert_source
from api.auth import Principal, require
from api.deps import EngineDep, read_in_session
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.metrics import ApiMetrics
from api.services import alert_sources, alerts_ingest
from api.services.alert_dispatcher import AlertDispatcher
from api.services.alert_writer import AlertWriter
from api.services.alerts_ingest import Parse, Rejected
from sluice.alert_mapping import SOURCE_NAME
from store.models import Role, utcnow

router = APIRouter(
    tags=["alerts"],
    responses={**ERROR_RESPONSES, 400: {"model": ErrorBody}, 413: {"model": ErrorBody}},
)
SourceDep = Annotated[Principal, Depends(authenticate_alert_source)]
# Verified in the transaction that writes the delivery (api.services.alert_writer): the two
# hot receivers.
SourceTokenDep = Annotated[AlertSourceToken, Depends(alert_source_token)]
AgentDep = Annotated[Principal, Depends(require(Role.agent))]
STATUS_OF = {"too_large": 413}


class Accepted(BaseModel):
    """How many alerts the delivery held, and how many of them changed nothing."""

    received: int
    deduplicated: int


@router.post("/api/v1/alerts/alertmanager", response_model=Accepted)
async def alertmanager_webhook(
    request: Request, engine: EngineDep, token: SourceTokenDep
) -> Accepted:
    """Alertmanager's webhook (`webhook_configs`), payload version 4."""
    return await _take(request, engine, token, alerts_ingest.parse_webhook)


@router.post("/api/v2/alerts", response_model=Accepted)
async def post_alerts(request: Request, engine: EngineDep, token: SourceTokenDep) -> Accepted:
    """The alerts array Prometheus and vmalert post to an Alertmanager: point their
    `alerting.alertmanagers` (or `-notifier.url`) at Sluice."""
    return await _take(request, engine, token, alerts_ingest.parse_postable)


@router.post("/api/v1/alerts/webhook/{source_name}", response_model=Accepted)
async def mapped_webhook(
    request: Request,
    engine: EngineDep,
    principal: SourceDep,
    source_name: Annotated[str, Path(pattern=SOURCE_NAME)],
) -> Accepted:
    """Any JSON webhook, read through the mapping of the alert source `source_name`."""
    mapping = await read_in_session(
        engine, lambda session: alert_sources.mapping_of(session, name=source_name)
    )
    if mapping is None:
        raise not_found("alert source", source_name)
    parse = partial(alerts_ingest.parse_mapped, name=source_name, mapping=mapping)
    return await _take(request, engine, principal, parse)


@router.post("/api/v1/alerts/agent", response_model=Accepted)
async def agent_alerts(request: Request, engine: EngineDep, principal: AgentDep) -> Accepted:
    """An agent's log keyword alerts, labelled with the calling agent's id."""
    parse = partial(alerts_ingest.parse_agent, agent_id=principal.name)
    return await _take(request, engine, principal, parse)


async def _take(
    request: Request,
    engine: EngineDep,
    caller: Principal | AlertSourceToken,
    parse: Parse,
) -> Accepted:
    metrics: ApiMetrics = request.app.state.metrics
    body = await request.body()
    now = utcnow()
    try:
        if isinstance(caller, AlertSourceToken):  # written with whatever arrived with it
            writer: AlertWriter = request.app.state.alert_writer
            taken = await writer.take(caller, body, alerts_ingest.parsed(parse, body, now))
            request.state.principal = taken.principal
            delivery, counts = taken.delivery, taken.counts
        else:
            delivery = parse(body, now)
            stored = await run_in_threadpool(
                alerts_ingest.store, engine, delivery, body=body, sender=caller.name, now=now
            )
            counts = stored.counts
            if stored.outbox:  # committed: signalled in the background, or by the drain
                dispatcher: AlertDispatcher = request.app.state.alert_dispatcher
                dispatcher.offer(stored.outbox)
    except Rejected as exc:
        metrics.alerts_rejected.labels(exc.reason).inc()
        raise ApiError(STATUS_OF.get(exc.reason, 400), exc.reason, str(exc)) from None
    metrics.alerts_received.labels(delivery.source).inc(counts["received"])
    metrics.alerts_deduplicated.labels(delivery.source).inc(counts["deduplicated"])
    return Accepted(**counts)
