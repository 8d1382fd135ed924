"""Liveness and readiness probes."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import EngineDep

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: Literal["ok", "unavailable"]
    reason: str | None = None


@router.get("/healthz", response_model=HealthStatus)
def healthz() -> HealthStatus:
    """Liveness: the process is up and serving requests."""
    return HealthStatus(status="ok")


@router.get("/readyz", response_model=HealthStatus, responses={503: {"model": HealthStatus}})
def readyz(engine: EngineDep) -> HealthStatus | JSONResponse:
    """Readiness: the metadata DB answers a query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        first_line = (str(cause).strip().splitlines() or [""])[0]
        reason = f"metadata DB unreachable: {type(cause).__name__}: {first_line}"
        body = HealthStatus(status="unavailable", reason=reason)
        return JSONResponse(body.model_dump(), status_code=503)
    return HealthStatus(status="ok")
