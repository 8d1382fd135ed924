"""The version routes of rule sets and Alertmanager configs: list with diffs, save, show,
publish (checked again, then rolled out to the targets whose files change) and rollback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.auth import PrincipalDep
from api.deps import EngineDep, SettingsDep
from api.errors import ApiError, not_found
from api.models.config_sync import PublishResult, VersionCreate, VersionPublic, VersionText
from api.routes.config_shapes import (
    box_of,
    check_length,
    in_session,
    invalid,
    live_number,
    roll_out_changes,
    starts_public,
    version_public,
    version_text,
)
from api.services import config_documents as documents
from api.services import config_render as render
from sluice.config_sync.documents import ConfigInvalid
from sluice.contracts.config_sync import RolloutInput
from sluice.settings import Settings
from store.models import ConfigDocument
from store.models.common import RowId


def add_version_routes(
    router: APIRouter,
    kind: Literal["rules", "alertmanager"],
    path: str,
    what: str,
    find: Callable[[Session, str], ConfigDocument],
) -> None:
    @router.get(
        f"/{path}/{{name}}/versions", response_model=list[VersionPublic],
        summary=f"List a {what}'s versions",
    )  # fmt: skip
    async def list_versions(name: str, engine: EngineDep) -> list[VersionPublic]:
        """Newest first, each with its diff against the one before."""

        def work(session: Session) -> list[VersionPublic]:
            document = find(session, name)
            live = live_number(session, document)
            return [version_public(session, r, live) for r in documents.versions(session, document)]

        return await in_session(engine, work)

    @router.post(
        f"/{path}/{{name}}/versions", response_model=VersionText, status_code=201,
        summary=f"Save a {what} version",
    )  # fmt: skip
    async def save_version(
        name: str, body: VersionCreate, engine: EngineDep, settings: SettingsDep,
        principal: PrincipalDep,
    ) -> VersionText | JSONResponse:  # fmt: skip
        """Check the document and save it as the next version (secrets sent as <secret> keep
        their stored value); the live version stays until this one is published."""
        check_length(body.text)

        def work(session: Session) -> VersionText:
            document = find(session, name)
            row = documents.save_version(
                session, document, text=body.text, comment=body.comment, actor=principal.name,
                box=box_of(settings), timeout=settings.config_sync.check_timeout,
            )  # fmt: skip
            return version_text(session, row, live_number(session, document))

        try:
            return await in_session(engine, work)
        except ConfigInvalid as exc:
            return invalid(exc)

    @router.get(
        f"/{path}/{{name}}/versions/{{version}}", response_model=VersionText,
        summary=f"Show a {what} version",
    )  # fmt: skip
    async def get_version(name: str, version: RowId, engine: EngineDep) -> VersionText:
        """One version with its text (secrets shown as <secret>)."""

        def work(session: Session) -> VersionText:
            document = find(session, name)
            row = documents.get_version(session, document, version)
            if row is None:
                raise not_found(f"{what} version", f"{name}/{version}")
            return version_text(session, row, live_number(session, document))

        return await in_session(engine, work)

    @router.post(
        f"/{path}/{{name}}/versions/{{version}}:publish", response_model=PublishResult,
        summary=f"Publish a {what} version",
    )  # fmt: skip
    async def publish(
        name: str, version: RowId, request: Request, engine: EngineDep, settings: SettingsDep,
        principal: PrincipalDep,
    ) -> PublishResult | JSONResponse:  # fmt: skip
        """Make a version live (checked again first) and roll it out to its targets."""
        return await _publish(request, engine, settings, name, version, principal.name)

    @router.post(
        f"/{path}/{{name}}:rollback", response_model=PublishResult,
        summary=f"Roll a {what} back",
    )  # fmt: skip
    async def rollback(
        name: str, request: Request, engine: EngineDep, settings: SettingsDep,
        principal: PrincipalDep,
    ) -> PublishResult | JSONResponse:  # fmt: skip
        """Publish again the version that was live before the current one."""
        return await _publish(request, engine, settings, name, None, principal.name)

    async def _publish(
        request: Request, engine: EngineDep, settings: Settings, name: str,
        version: int | None, actor: str,
    ) -> PublishResult | JSONResponse:  # fmt: skip
        box = box_of(settings)

        def work(session: Session) -> tuple[VersionText, list[RolloutInput]]:
            document = find(session, name)
            number = version or documents.rollback_version(session, document)
            row = documents.get_version(session, document, number)
            clashes = render.group_clashes(session, document, row.text) if row else []
            row = documents.publish(
                session, document, version=number, actor=actor, box=box,
                timeout=settings.config_sync.check_timeout, extra=clashes,
            )  # fmt: skip
            rollouts = render.refresh(session, render.targets_of(session, document), box)
            session.commit()
            session.refresh(row)
            return version_text(session, row, row.version), rollouts

        try:
            shown, rollouts = await in_session(engine, work)
        except ConfigInvalid as exc:
            return invalid(exc)
        except documents.DocumentConflict as exc:
            raise ApiError(409, "conflict", str(exc)) from exc
        except documents.UnknownVersion as exc:
            raise ApiError(404, "not_found", str(exc)) from exc
        starts = await roll_out_changes(request, engine, settings, rollouts)
        return PublishResult(
            version=shown,
            rollouts=starts_public(starts),
            rollout_pending=any(not s.started for s in starts),
        )
