"""What a target's sidecar (`sluice config-agent`, a `config-agent` token named after its
target) calls: its desired files, secrets in place, and its status report."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, PrincipalDep, forbidden, require
from api.deps import EngineDep, SettingsDep, temporal_client
from api.errors import ERROR_RESPONSES, not_found
from api.models.config_sync import StatusAck, StatusReport
from api.routes.config_documents import roll_out_changes
from api.routes.config_shapes import box_of, in_session, starts_public
from api.services import config_alerts, config_catch_up, config_rollouts
from api.services import config_render as render
from api.services import config_targets as targets
from sluice.contracts.config_sync import DesiredConfig, RolloutInput, TargetStatus
from store.models import ConfigTarget, Role

router = APIRouter(
    tags=["config-targets"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.config_agent))],
)


def own(session: Session, principal: Principal, name: str) -> ConfigTarget:
    """The target, if the caller may act for it: a config-agent token only for its own."""
    if principal.role == Role.config_agent and principal.name != name:
        raise forbidden(f"config-agent token {principal.name!r} may not act for target {name!r}")
    target = targets.get_target(session, name=name)
    if target is None:
        raise not_found("config target", name)
    return target


@router.get("/config-targets/{name}/desired", response_model=DesiredConfig)
async def get_desired(
    name: str, principal: PrincipalDep, engine: EngineDep, settings: SettingsDep
) -> DesiredConfig:
    """The files the target should run, with receiver secrets in place, its version and digest."""
    box = box_of(settings)
    return await in_session(engine, lambda s: render.desired(s, own(s, principal, name), box))


@router.put("/config-targets/{name}/status", response_model=StatusAck)
async def put_status(
    name: str,
    body: StatusReport,
    request: Request,
    principal: PrincipalDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> StatusAck:
    """Keep the sidecar's report; an error, drift or staleness raises a Sluice alert, and a
    rollout left pending is started again."""
    # So is one the sidecar missed while it was down: api/services/config_catch_up.py.

    def work(session: Session) -> tuple[int, str, list[RolloutInput], RolloutInput | None]:
        target = own(session, principal, name)
        targets.store_status(session, target, TargetStatus(**body.model_dump()))
        pending = config_rollouts.pending(session, target=name)
        behind = None
        if not pending and target.live_digest != target.desired_digest:
            behind = config_rollouts.last_started(
                session, target=name, digest=target.desired_digest
            )
        return target.desired_version, target.desired_digest, pending, behind

    version, digest, pending, behind = await in_session(engine, work)
    cfg = settings.config_sync
    rows = await run_in_threadpool(
        config_alerts.sync_alerts, engine, name, stale_after=cfg.stale_after
    )
    if rows:
        request.app.state.alert_dispatcher.offer(rows)
    starts = await roll_out_changes(request, engine, settings, pending)
    if behind is not None and config_catch_up.limit_of(request.app.state, settings).due(name):
        starts += await config_catch_up.catch_up(
            lambda: temporal_client(request.app.state), engine, behind,
            task_queue=settings.temporal.task_queue, within=cfg.start_timeout,
            agent_wait=cfg.agent_wait,
        )  # fmt: skip
    return StatusAck(desired_version=version, desired_digest=digest, rollouts=starts_public(starts))
