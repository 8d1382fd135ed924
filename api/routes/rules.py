"""Routing rules: edit versions, publish or roll back, and try the published rules on a file."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.auth import PrincipalDep, read_write
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.services import rules as rule_service
from sluice.contracts import DetectedFile, Plan
from sluice.rules import RuleError, plan_for
from sluice.rules.diff import rule_diff
from store.models import Role, RoutingRule, RuleVersion
from store.models.common import INT_MAX, ApiTime, RowId
from store.rules import published_rules

router = APIRouter(
    tags=["rules"],
    responses={**ERROR_RESPONSES, 409: {"model": ErrorBody}},
    dependencies=[Depends(read_write(Role.operator))],
)

T = TypeVar("T")

RuleDocumentBody = Annotated[
    dict[str, Any],
    Body(
        description="A rule document (name, priority, continue, enabled, match, pipeline)",
        examples=[
            {
                "name": "heap-dumps",
                "priority": 10,
                "match": {"globs": ["**/dumps/*.hprof"], "min_size": "1MiB"},
                "pipeline": [{"upload": {"key": "{host}/{date}/{relpath}"}}, {"verify": {}}],
            }
        ],
    ),
]


class RulePublic(BaseModel):
    id: int
    name: str
    description: str
    live_version: int | None
    latest_version: int
    spec: dict[str, Any] = Field(description="the newest version's document")
    created_at: datetime
    updated_at: datetime


class RuleVersionPublic(BaseModel):
    version: int
    live: bool
    spec: dict[str, Any]
    diff: str = Field(
        description="Unified diff of this version's document against the previous version's, "
        "both as YAML with sorted keys (version 1: against nothing); empty if equal."
    )
    created_by: str
    created_at: datetime


class PublishRequest(BaseModel):
    version: int | None = Field(
        default=None, ge=1, le=INT_MAX, description="default: the newest version"
    )


class RollbackRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2}]})

    version: int = Field(
        ge=1, le=INT_MAX, description="the earlier version whose document goes live again"
    )


class RuleTestRequest(BaseModel):
    rel_path: str = Field(min_length=1, description="path relative to the watch root (posix)")
    size: int = Field(ge=0)
    agent_id: str
    root: str = Field(description="the watch root, absolute, as the agent reports it")
    labels: dict[str, str] = Field(default_factory=dict, description="the agent's labels")
    host: str | None = Field(default=None, description="default: the agent id")
    at: ApiTime | None = Field(default=None, description="when the file is seen; default now")


@router.get("/rules", response_model=list[RulePublic])
def list_rules(session: SessionDep) -> list[RulePublic]:
    """List rules by name, each with its newest version's document."""
    rules = rule_service.list_rules(session)
    latest = rule_service.latest_versions(session, rule_ids=[r.id for r in rules if r.id])
    return [rule_public(rule, latest[rule.id]) for rule in rules if rule.id in latest]


@router.post("/rules", response_model=RulePublic, status_code=201)
def create_rule(
    document: RuleDocumentBody, session: SessionDep, principal: PrincipalDep
) -> RulePublic:
    """Create a rule from a document as version 1; publish it to make it route files."""
    rule = _edit(lambda: rule_service.create_rule(session, document=document, actor=principal.name))
    return _public(session, rule)


@router.post("/rules:test", response_model=Plan)
def test_rules(request: RuleTestRequest, session: SessionDep, settings: SettingsDep) -> Plan:
    """Show the plan the published rules give a file, without running anything."""
    now = request.at or datetime.now(UTC)
    file = DetectedFile(
        agent_id=request.agent_id,
        host=request.host or request.agent_id,
        root=request.root,
        rel_path=request.rel_path,
        size=request.size,
        mtime_ns=0,
        detected_at=now.isoformat(),
    )
    return plan_for(
        published_rules(session.connection()),
        file,
        labels=request.labels,
        now=now,
        unmatched=settings.pipeline.unmatched,
    )


@router.get("/rules/{rule_id}", response_model=RulePublic)
def get_rule(rule_id: RowId, session: SessionDep) -> RulePublic:
    """Show one rule with its newest version's document."""
    rule = rule_service.get_rule(session, rule_id=rule_id)
    if rule is None:
        raise not_found("rule", str(rule_id))
    return _public(session, rule)


@router.put("/rules/{rule_id}", response_model=RulePublic)
def update_rule(
    rule_id: RowId, document: RuleDocumentBody, session: SessionDep, principal: PrincipalDep
) -> RulePublic:
    """Save a new version of a rule; the live version stays until this one is published."""
    rule = _edit(
        lambda: rule_service.update_rule(
            session, rule_id=rule_id, document=document, actor=principal.name
        )
    )
    if rule is None:
        raise not_found("rule", str(rule_id))
    return _public(session, rule)


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: RowId, session: SessionDep) -> Response:
    """Delete a rule and all its versions; files stop matching it at once."""
    if not rule_service.delete_rule(session, rule_id=rule_id):
        raise not_found("rule", str(rule_id))
    return Response(status_code=204)


@router.get("/rules/{rule_id}/versions", response_model=list[RuleVersionPublic])
def list_versions(rule_id: RowId, session: SessionDep) -> list[RuleVersionPublic]:
    """List a rule's versions, newest first, marking the live one, each with its diff."""
    rule = rule_service.get_rule(session, rule_id=rule_id)
    versions = rule_service.list_versions(session, rule_id=rule_id)
    if rule is None or versions is None:
        raise not_found("rule", str(rule_id))
    previous = [*versions[1:], None]  # newest first: each version's previous is the next row
    return [version_public(row, rule, previous[n]) for n, row in enumerate(versions)]


@router.post("/rules/{rule_id}:publish", response_model=RulePublic)
def publish_rule(
    rule_id: RowId, session: SessionDep, request: PublishRequest | None = None
) -> RulePublic:
    """Make a version (default: the newest) the live one that routes files."""
    version = request.version if request else None
    try:
        rule = _edit(lambda: rule_service.publish_rule(session, rule_id=rule_id, version=version))
    except rule_service.UnknownVersion as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    if rule is None:
        raise not_found("rule", str(rule_id))
    return _public(session, rule)


@router.post("/rules/{rule_id}:rollback", response_model=RulePublic)
def rollback_rule(
    rule_id: RowId, request: RollbackRequest, session: SessionDep, principal: PrincipalDep
) -> RulePublic:
    """Make an earlier version live again, as a new published version with its document."""
    try:
        rule = _edit(
            lambda: rule_service.rollback_rule(
                session, rule_id=rule_id, version=request.version, actor=principal.name
            )
        )
    except rule_service.UnknownVersion as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    if rule is None:
        raise not_found("rule", str(rule_id))
    return _public(session, rule)


def _edit(change: Callable[[], T]) -> T:
    """Run a service change, mapping its refusals to HTTP errors."""
    try:
        return change()
    except RuleError as exc:
        raise ApiError(422, "invalid_rule", str(exc)) from exc
    except rule_service.RuleConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc


def _public(session: Session, rule: RoutingRule) -> RulePublic:
    assert rule.id is not None
    latest = rule_service.get_version(session, rule_id=rule.id)
    assert latest is not None, "a rule always has version 1"
    return rule_public(rule, latest)


def rule_public(rule: RoutingRule, latest: RuleVersion) -> RulePublic:
    assert rule.id is not None
    return RulePublic(
        id=rule.id,
        name=rule.name,
        description=rule.description,
        live_version=rule.live_version,
        latest_version=latest.version,
        spec=latest.spec,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def version_public(
    row: RuleVersion, rule: RoutingRule, previous: RuleVersion | None
) -> RuleVersionPublic:
    before = f"v{previous.version}" if previous else "(none)"
    return RuleVersionPublic(
        version=row.version,
        live=row.version == rule.live_version,
        spec=row.spec,
        diff=rule_diff(
            previous.spec if previous else None,
            row.spec,
            before_label=before,
            after_label=f"v{row.version}",
        ),
        created_by=row.created_by,
        created_at=row.created_at,
    )
