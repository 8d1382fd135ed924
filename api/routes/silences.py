"""Silences: list by state or by the labels they would mute, create (also from an alert), edit,
and expire."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from starlette.concurrency import run_in_threadpool

from api.auth import PrincipalDep, read_write
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.routes.tasks import as_utc
from api.services import silences as service
from api.services.alert_dispatcher import AlertDispatcher
from sluice.alerting.matchers import MAX_MATCHERS
from sluice.rules.units import parse_duration
from store.alert_outbox import OutboxRow
from store.models import Role, Silence
from store.models.common import ApiTime, RowId

router = APIRouter(
    tags=["silences"],
    responses={**ERROR_RESPONSES, 409: {"model": ErrorBody}},
    dependencies=[Depends(read_write(Role.operator))],
)

# Seconds, or text like "2h" or "1d12h" (the console sends text).
Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]}),
]
MatcherList = Annotated[
    list[Annotated[str, Field(max_length=1000)]],
    Field(
        min_length=1,
        max_length=MAX_MATCHERS,
        description="label matchers, all must hold: `name=value`, `!=`, `=~regex`, `!~regex`",
        examples=[['alertname="DiskFull"', "instance=~db-.*"]],
    ),
]


class Recurrence(BaseModel):
    """Mute only inside these weekly windows (no windows: the whole span)."""

    model_config = ConfigDict(extra="forbid")

    windows: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=20, examples=[["Sat 02:00-04:00"]]
    )
    timezone: str = Field(default="UTC", max_length=64)


class SilenceOptions(BaseModel):
    comment: str = Field(min_length=1, max_length=2000, description="why; required")
    notify_resolved: bool = Field(
        default=False, description="tell the channels when a silenced alert resolves"
    )
    notify_on_expiry: bool = Field(
        default=False, description="tell the channels when the silence ends and alerts still fire"
    )


class SilenceCreate(SilenceOptions):
    model_config = ConfigDict(extra="forbid")

    matchers: MatcherList
    starts_at: ApiTime | None = Field(default=None, description="default: now")
    ends_at: ApiTime | None = Field(default=None, description="this, or `duration`")
    duration: Duration | None = Field(default=None, description='like "2h" or "3d"')
    recurrence: Recurrence | None = None


class AlertSilenceCreate(SilenceOptions):
    model_config = ConfigDict(extra="forbid")

    labels: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=MAX_MATCHERS, description="the labels to match; default: all"
    )
    duration: Duration = Field(description='like "2h"')


class SilencePublic(BaseModel):
    id: int
    state: Literal["active", "pending", "expired"]
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    recurrence: dict[str, Any]
    comment: str
    notify_resolved: bool
    notify_on_expiry: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    fingerprint: str = Field(description="the alert it was created from, if any")


class SilencePage(BaseModel):
    items: list[SilencePublic]
    next_offset: int | None


@router.get("/silences", response_model=SilencePage)
def list_silences(
    session: SessionDep,
    state: Literal["active", "pending", "expired"] | None = None,
    label: Annotated[
        list[str] | None,
        Query(
            max_length=100,
            description="`name=value` labels of an alert: only silences that would mute it",
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SilencePage:
    """List silences, the newest first."""
    labels = None if label is None else _labels(label)
    now = datetime.now(UTC)
    rows, more = service.list_silences(
        session, state=state, labels=labels, offset=offset, limit=limit, now=now
    )
    return SilencePage(
        items=[public(row, now) for row in rows], next_offset=offset + limit if more else None
    )


@router.post("/silences", response_model=SilencePublic, status_code=201)
def create_silence(
    body: SilenceCreate, session: SessionDep, principal: PrincipalDep
) -> SilencePublic:
    """Create a silence; it mutes matching alerts from `starts_at` to `ends_at`."""
    try:
        row = service.create(session, spec=_spec(body), actor=principal.name)
    except service.SilenceRefused as exc:
        raise ApiError(422, "invalid_silence", str(exc)) from exc
    return public(row)


@router.get("/silences/{silence_id}", response_model=SilencePublic)
def get_silence(silence_id: RowId, session: SessionDep) -> SilencePublic:
    """One silence."""
    row = service.get(session, silence_id=silence_id)
    if row is None:
        raise not_found("silence", str(silence_id))
    return public(row)


@router.put("/silences/{silence_id}", response_model=SilencePublic)
async def update_silence(
    silence_id: RowId, body: SilenceCreate, session: SessionDep, request: Request
) -> SilencePublic:
    """Replace a silence that has not ended."""
    spec = _spec(body)
    try:
        done = await run_in_threadpool(
            lambda: service.update(session, silence_id=silence_id, spec=spec)
        )
    except service.SilenceRefused as exc:
        raise ApiError(422, "invalid_silence", str(exc)) from exc
    except service.SilenceConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if done is None:
        raise not_found("silence", str(silence_id))
    _wake(request, done[1])
    return public(done[0])


@router.post("/silences/{silence_id}:expire", response_model=SilencePublic)
async def expire_silence(silence_id: RowId, session: SessionDep, request: Request) -> SilencePublic:
    """End a silence now."""
    try:
        done = await run_in_threadpool(lambda: service.expire(session, silence_id=silence_id))
    except service.SilenceConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if done is None:
        raise not_found("silence", str(silence_id))
    _wake(request, done[1])
    return public(done[0])


@router.post("/alerts/{fingerprint}:silence", response_model=SilencePublic, status_code=201)
def silence_alert(
    fingerprint: Annotated[str, Path(max_length=64)],
    body: AlertSilenceCreate,
    session: SessionDep,
    principal: PrincipalDep,
) -> SilencePublic:
    """Silence an alert: equality matchers on its labels (or the chosen ones) for `duration`."""
    try:
        matchers = service.alert_matchers(session, fingerprint=fingerprint, names=body.labels)
        spec = service.SilenceSpec(
            matchers=matchers,
            starts_at=None,
            ends_at=None,
            duration=body.duration,
            recurrence=None,
            comment=body.comment,
            notify_resolved=body.notify_resolved,
            notify_on_expiry=body.notify_on_expiry,
        )
        row = service.create(session, spec=spec, actor=principal.name, fingerprint=fingerprint)
    except LookupError:
        raise not_found("alert", fingerprint) from None
    except service.SilenceRefused as exc:
        raise ApiError(422, "invalid_silence", str(exc)) from exc
    return public(row)


def public(row: Silence, now: datetime | None = None) -> SilencePublic:
    state = service.state_of(row, now or datetime.now(UTC))
    return SilencePublic.model_validate({**row.model_dump(), "state": state})


def _wake(request: Request, rows: list[OutboxRow]) -> None:
    """Signal the groups the silence held back, in the background (the outbox drain retries
    any not reached)."""
    if rows:
        dispatcher: AlertDispatcher = request.app.state.alert_dispatcher
        dispatcher.offer(rows)


def _spec(body: SilenceCreate) -> service.SilenceSpec:
    return service.SilenceSpec(
        matchers=body.matchers,
        starts_at=as_utc(body.starts_at),
        ends_at=as_utc(body.ends_at),
        duration=body.duration,
        recurrence=body.recurrence.model_dump() if body.recurrence else None,
        comment=body.comment,
        notify_resolved=body.notify_resolved,
        notify_on_expiry=body.notify_on_expiry,
    )


def _labels(pairs: list[str]) -> dict[str, str]:
    labels = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ApiError(422, "invalid_label", f"label {pair[:100]!r}: expected name=value")
        labels[name] = value
    return labels
