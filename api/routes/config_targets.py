"""Config targets: which rule sets or Alertmanager config each Prometheus, vmalert or
Alertmanager gets, its sync status, its rollouts, and adopting its running config."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.auth import PrincipalDep, read_write
from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.models.config_sync import (
    INVALID,
    ImportResult,
    RolloutPublic,
    RolloutStartPublic,
    TargetCreate,
    TargetDiffPublic,
    TargetImport,
    TargetPublic,
    TargetUpdate,
)
from api.routes.config_documents import roll_out_changes
from api.routes.config_shapes import (
    box_of,
    in_session,
    invalid,
    starts_public,
    target_public,
    version_text,
)
from api.services import config_diff, config_imports, config_rollouts
from api.services import config_documents as documents
from api.services import config_render as render
from api.services import config_targets as targets
from sluice.config_sync.documents import ConfigInvalid
from sluice.config_sync.imports import ImportFailed
from sluice.contracts.config_sync import RolloutInput
from store.models import ConfigTarget, Role

router = APIRouter(
    tags=["config-targets"],
    responses={**ERROR_RESPONSES, 409: {"model": ErrorBody}},
    dependencies=[Depends(read_write(Role.operator))],
)


def find(session: Session, name: str) -> ConfigTarget:
    target = targets.get_target(session, name=name)
    if target is None:
        raise not_found("config target", name)
    return target


@router.get("/config-targets", response_model=list[TargetPublic])
async def list_targets(engine: EngineDep, settings: SettingsDep) -> list[TargetPublic]:
    """Every target with what it should run, what it runs, drift, errors and staleness."""
    after = settings.config_sync.stale_after
    return await in_session(
        engine,
        lambda s: [target_public(s, t, stale_after=after) for t in targets.list_targets(s)],
    )


@router.post("/config-targets", response_model=TargetPublic, status_code=201)
async def create_target(
    body: TargetCreate, request: Request, engine: EngineDep, settings: SettingsDep
) -> TargetPublic:
    """Add a target; what its selector picks is rolled out to it at once."""

    def work(session: Session) -> tuple[TargetPublic, list[RolloutInput]]:
        target, rollouts = targets.create_target(
            session, fields=body.model_dump(), box=box_of(settings)
        )
        return target_public(
            session, target, stale_after=settings.config_sync.stale_after
        ), rollouts

    try:
        shown, rollouts = await in_session(engine, work)
    except targets.TargetConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    await roll_out_changes(request, engine, settings, rollouts)
    return shown


@router.get("/config-targets/{name}", response_model=TargetPublic)
async def get_target(name: str, engine: EngineDep, settings: SettingsDep) -> TargetPublic:
    """One target's sync status."""
    after = settings.config_sync.stale_after
    return await in_session(engine, lambda s: target_public(s, find(s, name), stale_after=after))


@router.patch("/config-targets/{name}", response_model=TargetPublic)
async def update_target(
    name: str, body: TargetUpdate, request: Request, engine: EngineDep, settings: SettingsDep
) -> TargetPublic:
    """Change a target's labels, selector, config or URL; a change of its files rolls out."""

    def work(session: Session) -> tuple[TargetPublic, list[RolloutInput]]:
        target = find(session, name)
        rollouts = targets.update_target(
            session, target, fields=body.model_dump(exclude_unset=True), box=box_of(settings)
        )
        return target_public(
            session, target, stale_after=settings.config_sync.stale_after
        ), rollouts

    shown, rollouts = await in_session(engine, work)
    await roll_out_changes(request, engine, settings, rollouts)
    return shown


@router.delete("/config-targets/{name}", status_code=204)
async def delete_target(name: str, engine: EngineDep) -> Response:
    """Forget a target (its sidecar's files stay as they are)."""
    await in_session(engine, lambda s: targets.delete_target(s, find(s, name)))
    return Response(status_code=204)


@router.post("/config-targets/{name}:rollout", response_model=list[RolloutStartPublic])
async def rollout(
    name: str, request: Request, engine: EngineDep, settings: SettingsDep
) -> list[RolloutStartPublic]:
    """Start (again) the rollout of the target's desired files."""

    def work(session: Session) -> list[RolloutInput]:
        target = find(session, name)
        desired = render.desired(session, target, box_of(settings))
        return [RolloutInput(target.name, desired.version, desired.digest)]

    rollouts = await in_session(engine, work)
    return starts_public(await roll_out_changes(request, engine, settings, rollouts, new_row=True))


@router.get("/config-targets/{name}/diff", response_model=TargetDiffPublic)
async def get_diff(name: str, engine: EngineDep) -> TargetDiffPublic:
    """Per file, the unified diff from what the target runs (the version its sidecar last
    reported applied) to what it should run, receiver secrets as `<secret>`. A hand edit on
    disk shows as `drift` and `disk_digest` only: the sidecar never uploads file contents."""

    def work(session: Session) -> TargetDiffPublic:
        shown = config_diff.target_diff(session, find(session, name))
        return TargetDiffPublic.model_validate(asdict(shown))

    return await in_session(engine, work)


@router.get("/config-targets/{name}/rollouts", response_model=list[RolloutPublic])
async def list_rollouts(name: str, engine: EngineDep) -> list[RolloutPublic]:
    """The target's rollouts, newest first (the last 50)."""

    def work(session: Session) -> list[RolloutPublic]:
        find(session, name)
        rows = config_rollouts.list_rollouts(session, target=name)
        return [RolloutPublic.model_validate(r.model_dump()) for r in rows]

    return await in_session(engine, work)


@router.post(
    "/config-targets/{name}:import", response_model=ImportResult, status_code=201, responses=INVALID
)
async def import_running(
    name: str, body: TargetImport, engine: EngineDep, settings: SettingsDep, principal: PrincipalDep
) -> ImportResult | JSONResponse:
    """Read the running target's config over HTTP (Prometheus `/api/v1/rules`, Alertmanager
    `/api/v2/status`) and save it as a draft version; secrets Alertmanager hides stay
    `<secret>` until a version gives them."""
    target = await in_session(engine, lambda s: find(s, name))
    if not target.url:
        raise ApiError(409, "no_url", f"config target {name!r} has no url to read from")
    try:
        text = await config_imports.read_running(target, within=settings.config_sync.import_timeout)
    except ImportFailed as exc:
        raise ApiError(502, "import_failed", f"{target.url}: {exc}") from exc

    def work(session: Session) -> ImportResult:
        document, row = config_imports.save_import(
            session, target, name=body.name or target.name, text=text, comment=body.comment,
            actor=principal.name, settings=settings,
        )  # fmt: skip
        live = documents.live(session, document)
        return ImportResult(
            document=document.name,
            version=version_text(session, row, live.version if live else None),
        )

    try:
        return await in_session(engine, work)
    except ConfigInvalid as exc:
        return invalid(exc)
