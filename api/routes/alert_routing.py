"""The alert routing document: versions, publish and rollback, a test of where labels go, and
read views of the live routes, inhibition rules and escalation policies."""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PrincipalDep, read_write, require
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.services import alert_routing as service
from sluice.alerting.document import MAX_TEXT, RoutingInvalid
from store.models import AlertRoutingVersion, Role
from store.models.common import ApiTime, RowId

router = APIRouter(
    tags=["alert-routing"],
    responses={**ERROR_RESPONSES, 409: {"model": ErrorBody}},
    dependencies=[Depends(read_write(Role.operator))],
)
# Trying labels changes nothing, so readers may do it too.
test_router = APIRouter(
    tags=["alert-routing"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.operator, Role.viewer))],
)
EXAMPLE = """routes:
  - name: database
    matchers: ['team="db"', 'severity=~"critical|page"']
    group_by: [alertname, cluster]
    channels: [dba-oncall]
default:
  name: default
  channels: [ops]
"""


class RoutingProblem(BaseModel):
    path: str = Field(description='where, like `routes[2].matchers` ("" for the whole text)')
    line: int = Field(description="1-based line of the text")
    message: str


class RoutingErrorDetail(BaseModel):
    code: str
    message: str
    problems: list[RoutingProblem]


class RoutingErrorBody(BaseModel):
    error: RoutingErrorDetail


INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": RoutingErrorBody, "description": "the document's problems, each at its line"}
}


class LiveRoutingPublic(BaseModel):
    version: int = Field(description="the live version; 0: none published (default route only)")
    text: str
    document: dict[str, Any]


class RoutingVersionPublic(BaseModel):
    version: int
    comment: str
    created_by: str
    created_at: datetime
    published_at: datetime | None = Field(description="last made live; None: never")
    published_by: str
    live: bool


class RoutingVersionText(RoutingVersionPublic):
    text: str


class RoutingVersionCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": EXAMPLE, "comment": "db"}]})

    text: str = Field(max_length=MAX_TEXT, description="the document as YAML")
    comment: str = Field(default="", max_length=500)


class RoutingTestRequest(BaseModel):
    labels: dict[str, str] = Field(max_length=100, examples=[{"alertname": "Down", "team": "db"}])
    text: str | None = Field(
        default=None, max_length=MAX_TEXT, description="a draft to try; default: the live one"
    )
    at: ApiTime | None = Field(default=None, description="when (active times); default now")


class TemplatePreview(BaseModel):
    template: str = Field(description="the route's template (routing document `templates`)")
    title: str = Field(description='its title for one firing alert; "": the built-in title')
    text: str = Field(description='its text for one firing alert; "": the built-in text')
    error: str = Field(description="why it fails (the built-in template would be sent); ''")


class RouteTaken(BaseModel):
    name: str
    channels: list[str]
    group_by: list[str]
    group_id: str = Field(description="the alert group's workflow id")
    group_labels: dict[str, str]
    escalation: str | None
    active_now: bool = Field(description="inside the route's active_time")
    send_resolved: bool
    continue_: bool = Field(alias="continue")
    template: str | None = Field(description="the route's own message template; None: built in")
    preview: TemplatePreview | None = Field(
        description="what the route's template makes of a firing alert with these labels"
    )


class RoutingTestResult(BaseModel):
    version: int | None = Field(description="the version tried; None: the draft")
    routes: list[RouteTaken]
    default: bool = Field(description="no route matched: the default route took it")
    silenced_by: list[int] = Field(description="ids of the silences in force that mute it")
    inhibited_by: str | None = Field(description="an inhibition rule a firing alert mutes it by")


@router.get("/alert-routing", response_model=LiveRoutingPublic)
def get_live(session: SessionDep) -> LiveRoutingPublic:
    """The live routing document: its version, text and parsed form."""
    current = service.live(session)
    row = service.get_version(session, version=current.version) if current.version else None
    return LiveRoutingPublic(
        version=current.version,
        text=row.text if row else "",
        document=current.routing.model_dump(mode="json", by_alias=True),
    )


@router.get("/alert-routing/versions", response_model=list[RoutingVersionPublic])
def list_versions(session: SessionDep) -> list[RoutingVersionPublic]:
    """Every version, newest first, with who saved it, why, and when it was published."""
    live = service.live(session).version
    return [_public(row, live) for row in service.list_versions(session)]


@router.get("/alert-routing/versions/{version}", response_model=RoutingVersionText)
def get_version(version: RowId, session: SessionDep) -> RoutingVersionText:
    """One version with its text."""
    row = service.get_version(session, version=version)
    if row is None:
        raise not_found("alert routing version", str(version))
    return _text(row, service.live(session).version)


@router.post(
    "/alert-routing/versions",
    response_model=RoutingVersionText,
    status_code=201,
    responses=INVALID,
)
def create_version(
    body: RoutingVersionCreate, session: SessionDep, principal: PrincipalDep
) -> RoutingVersionText | JSONResponse:
    """Check a document and save it as the next version; publish it to make it live."""
    try:
        row = service.save_version(
            session, text=body.text, comment=body.comment, actor=principal.name
        )
    except RoutingInvalid as exc:
        return invalid(exc)
    return _text(row, service.live(session).version)


@router.post(
    "/alert-routing/versions/{version}:publish",
    response_model=RoutingVersionText,
    responses=INVALID,
)
def publish_version(
    version: RowId, session: SessionDep, principal: PrincipalDep
) -> RoutingVersionText | JSONResponse:
    """Make a version the live one."""
    try:
        row = service.publish(session, version=version, actor=principal.name)
    except RoutingInvalid as exc:
        return invalid(exc)
    except service.RoutingConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if row is None:
        raise not_found("alert routing version", str(version))
    return _text(row, row.version or 0)


@router.post("/alert-routing:rollback", response_model=RoutingVersionText, responses=INVALID)
def rollback(session: SessionDep, principal: PrincipalDep) -> RoutingVersionText | JSONResponse:
    """Publish again the version that was live before the current one."""
    try:
        row = service.rollback(session, actor=principal.name)
    except RoutingInvalid as exc:
        return invalid(exc)
    except service.RoutingConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    return _text(row, row.version or 0)


@test_router.post("/alert-routing:test", response_model=RoutingTestResult, responses=INVALID)
def test_routing(body: RoutingTestRequest, session: SessionDep) -> RoutingTestResult | JSONResponse:
    """Where an alert with these labels would go, under the live document or a draft."""
    now = body.at or datetime.now(UTC)
    try:
        result = service.try_routing(session, labels=body.labels, text=body.text, now=now)
    except RoutingInvalid as exc:
        return invalid(exc)
    routes = [
        RouteTaken.model_validate(
            {
                **taken.route.model_dump(include={"name", "channels", "group_by"}),
                "escalation": taken.route.escalation,
                "send_resolved": taken.route.send_resolved,
                "continue": taken.route.continue_,
                "group_id": taken.group_id,
                "group_labels": taken.group_labels,
                "active_now": taken.active_now,
                "template": taken.route.template,
                "preview": asdict(taken.preview) if taken.preview else None,
            }
        )
        for taken in result.routes
    ]
    return RoutingTestResult(
        version=result.version,
        routes=routes,
        default=result.default,
        silenced_by=result.silenced_by,
        inhibited_by=result.inhibited_by,
    )


@router.get("/alert-routes", response_model=list[dict[str, Any]])
def list_routes(session: SessionDep) -> list[dict[str, Any]]:
    """The live routes in order, the default route last."""
    routing = service.live(session).routing
    return [r.model_dump(mode="json", by_alias=True) for r in [*routing.routes, routing.default]]


@router.get("/inhibit-rules", response_model=list[dict[str, Any]])
def list_inhibit_rules(session: SessionDep) -> list[dict[str, Any]]:
    """The live inhibition rules."""
    return [r.model_dump(mode="json") for r in service.live(session).routing.inhibit_rules]


@router.get("/escalation-policies", response_model=list[dict[str, Any]])
def list_escalation_policies(session: SessionDep) -> list[dict[str, Any]]:
    """The live escalation policies."""
    return [p.model_dump(mode="json") for p in service.live(session).routing.escalation_policies]


def invalid(exc: RoutingInvalid) -> JSONResponse:
    body = RoutingErrorBody(
        error=RoutingErrorDetail(
            code="invalid_routing",
            message=str(exc),
            problems=[
                RoutingProblem(path=p.path, line=p.line, message=p.message) for p in exc.problems
            ],
        )
    )
    return JSONResponse(body.model_dump(), status_code=422)


def _public(row: AlertRoutingVersion, live: int) -> RoutingVersionPublic:
    return RoutingVersionPublic.model_validate({**row.model_dump(), "live": row.version == live})


def _text(row: AlertRoutingVersion, live: int) -> RoutingVersionText:
    data = row.model_dump()
    return RoutingVersionText.model_validate({**data, "live": row.version == live})
