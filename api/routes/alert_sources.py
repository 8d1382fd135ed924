"""Alert sources: admins name a JSON webhook sender and map where its alerts' parts are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from api.auth import require
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.services import alert_sources as service
from sluice.alert_mapping import SOURCE_NAME
from store.models import AlertSourceCreate, AlertSourcePublic, AlertSourceUpdate

router = APIRouter(
    tags=["alerts"],
    responses={**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]},
    dependencies=[Depends(require())],  # admin only: a mapping decides what alerts say
)
SourceName = Annotated[str, Path(pattern=SOURCE_NAME)]


def _public(source: object) -> AlertSourcePublic:
    return AlertSourcePublic.model_validate(source)


@router.get("/alert-sources", response_model=list[AlertSourcePublic])
def list_alert_sources(session: SessionDep) -> list[AlertSourcePublic]:
    """List the JSON webhook alert sources and their mappings."""
    return [_public(source) for source in service.list_sources(session)]


@router.post("/alert-sources", response_model=AlertSourcePublic, status_code=201)
def create_alert_source(body: AlertSourceCreate, session: SessionDep) -> AlertSourcePublic:
    """Create a source; it takes alerts at POST /api/v1/alerts/webhook/{name}."""
    try:
        return _public(service.create_source(session, body=body))
    except service.AlertSourceConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except ValueError as exc:
        raise ApiError(422, "invalid_mapping", str(exc)) from None


@router.get("/alert-sources/{name}", response_model=AlertSourcePublic)
def get_alert_source(name: SourceName, session: SessionDep) -> AlertSourcePublic:
    """Show one source."""
    source = service.get_source(session, name=name)
    if source is None:
        raise not_found("alert source", name)
    return _public(source)


@router.put("/alert-sources/{name}", response_model=AlertSourcePublic)
def update_alert_source(
    name: SourceName, body: AlertSourceUpdate, session: SessionDep
) -> AlertSourcePublic:
    """Change a source; `mapping`, when given, replaces the whole mapping."""
    try:
        source = service.update_source(session, name=name, body=body)
    except ValueError as exc:
        raise ApiError(422, "invalid_mapping", str(exc)) from None
    if source is None:
        raise not_found("alert source", name)
    return _public(source)


@router.delete("/alert-sources/{name}", status_code=204)
def delete_alert_source(name: SourceName, session: SessionDep) -> Response:
    """Delete a source; its alerts stay, and its URL answers 404 from now on."""
    if not service.delete_source(session, name=name):
        raise not_found("alert source", name)
    return Response(status_code=204)
