"""Rule sets and Alertmanager configs: versioned YAML documents, checked before they are
saved or published; publishing starts a rollout to each target whose files change."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.auth import PrincipalDep, read_write
from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.models.config_sync import (
    INVALID,
    DocumentCreate,
    DocumentPublic,
    LabelsUpdate,
    RolloutStartPublic,
    ValidateRequest,
    ValidateResult,
    VersionText,
)
from api.routes.config_shapes import (
    box_of,
    check_length,
    in_session,
    invalid,
    live_number,
    roll_out_changes,
    starts_public,
    version_text,
)
from api.routes.config_versions import add_version_routes
from api.services import config_documents as documents
from api.services import config_render as render
from sluice.config_sync.documents import ConfigInvalid
from sluice.contracts.config_sync import RolloutInput
from sluice.settings import Settings
from store.models import ConfigDocument, ConfigTarget, Role

Kind = Literal["rules", "alertmanager"]


def document_router(kind: Kind, path: str, what: str) -> APIRouter:
    """The routes of one kind of document under `/{path}`."""
    router = APIRouter(
        tags=[path],
        responses={**ERROR_RESPONSES, 409: {"model": ErrorBody}, **INVALID},
        dependencies=[Depends(read_write(Role.operator))],
    )

    def find(session: Session, name: str) -> ConfigDocument:
        document = documents.get_document(session, kind=kind, name=name)
        if document is None:
            raise not_found(what, name)
        return document

    @router.get(f"/{path}", response_model=list[DocumentPublic], summary=f"List {what}s")
    async def list_documents(engine: EngineDep) -> list[DocumentPublic]:
        """By name, each with its live and newest version and the targets it applies to."""

        def work(session: Session) -> list[DocumentPublic]:
            return [_public(session, d) for d in documents.list_documents(session, kind=kind)]

        return await in_session(engine, work)

    @router.post(
        f"/{path}", response_model=VersionText, status_code=201, summary=f"Create a {what}"
    )
    async def create(
        body: DocumentCreate, engine: EngineDep, settings: SettingsDep, principal: PrincipalDep
    ) -> VersionText | JSONResponse:
        """Check the document and save it as version 1 of a new name; publish it to ship it."""
        return await _save(engine, settings, body, principal.name, draft=False)

    @router.post(
        f"/{path}:import", response_model=VersionText, status_code=201,
        summary=f"Import a {what} file as a draft",
    )  # fmt: skip
    async def import_file(
        body: DocumentCreate, engine: EngineDep, settings: SettingsDep, principal: PrincipalDep
    ) -> VersionText | JSONResponse:
        """Save an existing file as a draft version (of a new name or an existing one): kept
        even with problems (listed), which publishing refuses until a version fixes them."""
        return await _save(engine, settings, body, principal.name, draft=True)

    async def _save(
        engine: EngineDep, settings: Settings, body: DocumentCreate, actor: str, *, draft: bool
    ) -> VersionText | JSONResponse:
        check_length(body.text)

        def work(session: Session) -> VersionText:
            document = documents.get_document(session, kind=kind, name=body.name)
            if document is None:
                document = documents.create_document(
                    session, kind=kind, name=body.name, labels=body.labels
                )
            elif not draft:
                raise ApiError(409, "conflict", f"{what} {body.name!r} exists already")
            row = documents.save_version(
                session, document, text=body.text, comment=body.comment, actor=actor,
                box=box_of(settings), timeout=settings.config_sync.check_timeout,
                draft="keep" if draft else "refuse",
            )  # fmt: skip
            return version_text(session, row, live_number(session, document))

        try:
            return await in_session(engine, work)
        except ConfigInvalid as exc:
            return invalid(exc)
        except documents.DocumentConflict as exc:
            raise ApiError(409, "conflict", str(exc)) from exc

    @router.post(f"/{path}:validate", response_model=ValidateResult, summary=f"Dry-run a {what}")
    async def validate(
        body: ValidateRequest, engine: EngineDep, settings: SettingsDep
    ) -> ValidateResult:
        """Check a document as publishing would, and name the targets it would change."""
        check_length(body.text)

        def work(session: Session) -> ValidateResult:
            document = documents.get_document(session, kind=kind, name=body.name or "")
            problems = documents.dry_run(
                session, kind=kind, document=document, text=body.text, box=box_of(settings),
                timeout=settings.config_sync.check_timeout,
            )  # fmt: skip
            targets: list[ConfigTarget] = []
            if document is not None:
                problems += render.group_clashes(session, document, body.text)
                targets = render.targets_of(session, document)
            elif body.name:
                probe = ConfigDocument(kind=kind, name=body.name, labels={})
                targets = render.targets_of(session, probe)
            return ValidateResult.model_validate({
                "valid": not problems, "problems": [p.__dict__ for p in problems],
                "targets": [t.name for t in targets],
            })  # fmt: skip

        return await in_session(engine, work)

    @router.get(f"/{path}/{{name}}", response_model=DocumentPublic, summary=f"Show a {what}")
    async def get_document(name: str, engine: EngineDep) -> DocumentPublic:
        """Its labels, live and newest version, and the targets it applies to."""
        return await in_session(engine, lambda s: _public(s, find(s, name)))

    @router.patch(f"/{path}/{{name}}", response_model=DocumentPublic, summary=f"Relabel a {what}")
    async def relabel(
        name: str, body: LabelsUpdate, request: Request, engine: EngineDep, settings: SettingsDep
    ) -> DocumentPublic:
        """Change its labels (targets selecting by label may gain or lose it: rolled out)."""

        def work(session: Session) -> tuple[DocumentPublic, list[RolloutInput]]:
            document = find(session, name)
            before = render.targets_of(session, document)
            document.labels = body.labels
            session.add(document)
            after = render.targets_of(session, document)
            touched = {t.name: t for t in [*before, *after]}.values()
            rollouts = render.refresh(session, touched, box_of(settings))
            session.commit()
            return _public(session, document), rollouts

        shown, rollouts = await in_session(engine, work)
        await roll_out_changes(request, engine, settings, rollouts)
        return shown

    @router.delete(
        f"/{path}/{{name}}", response_model=list[RolloutStartPublic], summary=f"Delete a {what}"
    )
    async def delete(
        name: str, request: Request, engine: EngineDep, settings: SettingsDep
    ) -> list[RolloutStartPublic]:
        """Delete it with its versions; its targets stop getting it (rolled out)."""

        def work(session: Session) -> list[RolloutInput]:
            document = find(session, name)
            touched = render.targets_of(session, document)
            documents.delete_document(session, document)
            rollouts = render.refresh(session, touched, box_of(settings))
            session.commit()
            return rollouts

        rollouts = await in_session(engine, work)
        return starts_public(await roll_out_changes(request, engine, settings, rollouts))

    add_version_routes(router, kind, path, what, find)
    return router


def _public(session: Session, document: ConfigDocument) -> DocumentPublic:
    rows = documents.versions(session, document)
    return DocumentPublic(
        name=document.name,
        kind=document.kind,
        labels=document.labels,
        live_version=live_number(session, document),
        latest_version=rows[0].version if rows else 0,
        targets=[t.name for t in render.targets_of(session, document)],
        created_at=document.created_at,
    )


rule_sets = document_router("rules", "rule-sets", "rule set")
alertmanager_configs = document_router(
    "alertmanager", "alertmanager-configs", "alertmanager config"
)
