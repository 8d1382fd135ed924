"""One JSON error shape for every failure: {"error": {"code": ..., "message": ...}}."""

import logging
from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

log = logging.getLogger("sluice.api")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """Raised by routes; becomes an ErrorBody response with `status_code`."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message
        self.headers = headers or {}


def not_found(resource: str, resource_id: str) -> ApiError:
    return ApiError(404, "not_found", f"{resource} {resource_id!r} not found")


def error_response(
    status_code: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status_code, headers=headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
    return error_response(exc.status_code, code, str(exc.detail), exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    )
    return error_response(422, "invalid_request", problems)


async def _temporal_error(_request: Request, exc: Exception) -> JSONResponse:
    """Temporal down is a 503 the caller can retry; another refusal is a 502."""
    assert isinstance(exc, RPCError)
    if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return error_response(503, "temporal_unavailable", f"Temporal: {exc.message}")
    return error_response(502, "temporal_error", f"Temporal: {exc.message}")


async def _runtime_error(_request: Request, exc: Exception) -> JSONResponse:
    """The lazy Temporal client's first call fails this way when Temporal is unreachable."""
    if not str(exc).startswith("Failed client connect"):
        raise exc
    return error_response(503, "temporal_unavailable", f"Temporal is unreachable: {exc}")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The metadata DB unreachable, locked or gone away is a 503 the caller can retry
    (Alertmanager redelivers on a 5xx); a 500 would read as a bug in Sluice."""
    assert isinstance(exc, OperationalError)
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    log.warning("%s %s: metadata DB unavailable: %s", request.method, request.url.path, reason)
    return error_response(
        503, "database_unavailable", f"metadata DB unavailable: {reason}", {"Retry-After": "5"}
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(RPCError, _temporal_error)
    app.add_exception_handler(RuntimeError, _runtime_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


# For route `responses=`: documents the error shape in OpenAPI.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody},
    401: {"model": ErrorBody, "description": "missing, invalid or revoked bearer token"},
    403: {"model": ErrorBody, "description": "the token's role may not do this"},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
    503: {"model": ErrorBody, "description": "`database_unavailable`: retry later"},
}
