"""Liveness and readiness probes, and Prometheus metrics."""

import asyncio
from datetime import timedelta
from typing import Literal

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import EngineDep, get_temporal
from api.metrics import ApiMetrics

router = APIRouter(tags=["health"])

TEMPORAL_CHECK_TIMEOUT = timedelta(seconds=5)


class HealthStatus(BaseModel):
    status: Literal["ok", "unavailable"]
    reason: str | None = None


class ReadyStatus(HealthStatus):
    checks: dict[str, str]  # "db", "temporal": "ok" or why not


@router.get("/healthz", response_model=HealthStatus)
def healthz() -> HealthStatus:
    """Liveness: the process is up and serving requests."""
    return HealthStatus(status="ok")


@router.get("/readyz", response_model=ReadyStatus, responses={503: {"model": ReadyStatus}})
async def readyz(request: Request, engine: EngineDep) -> ReadyStatus | JSONResponse:
    """Readiness: the metadata DB answers a query and Temporal answers a health check."""
    db, temporal = await asyncio.gather(
        anyio.to_thread.run_sync(_check_db, engine), _check_temporal(request)
    )
    checks = {"db": db or "ok", "temporal": temporal or "ok"}
    problems = [p for p in (db, temporal) if p]
    if not problems:
        return ReadyStatus(status="ok", checks=checks)
    body = ReadyStatus(status="unavailable", reason="; ".join(problems), checks=checks)
    return JSONResponse(body.model_dump(), status_code=503)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics: request latency by route, tasks by status, agents by status."""
    registry: ApiMetrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)


def _check_db(engine: Engine) -> str:
    """Why the DB does not answer a query; empty if it does."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        return f"metadata DB unreachable: {_first_line(cause)}"
    return ""


async def _check_temporal(request: Request) -> str:
    """Why Temporal's frontend fails its gRPC health check; empty if it passes."""
    address = request.app.state.settings.temporal.address
    try:
        client = await get_temporal(request)
        serving = await client.service_client.check_health(timeout=TEMPORAL_CHECK_TIMEOUT)
    except Exception as exc:  # connect errors are RuntimeError, RPC errors RPCError
        return f"Temporal unreachable at {address}: {_first_line(exc)}"
    return "" if serving else f"Temporal at {address} is not serving"


def _first_line(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"
