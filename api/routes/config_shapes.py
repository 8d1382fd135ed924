"""What the config sync routes share: running work in a session off the event loop, the 422
of a document's problems, and the public shapes of versions and targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import temporal_client
from api.errors import ApiError
from api.models.config_sync import (
    ConfigErrorBody,
    ConfigErrorDetail,
    ConfigProblem,
    RolloutStartPublic,
    TargetPublic,
    VersionPublic,
    VersionText,
)
from api.services import config_documents as documents
from api.services import config_render as render
from api.services.config_rollouts import RolloutStart, roll_out
from api.services.config_targets import health, latest_rollout, rollout_state
from sluice.config_sync.documents import MAX_TEXT, ConfigInvalid
from sluice.contracts.config_sync import RolloutInput
from sluice.secretbox import SecretBox, SecretKeyMissing, SecretUnreadable
from sluice.settings import Settings
from store.models import ConfigDocument, ConfigTarget, ConfigVersion, utcnow

T = TypeVar("T")


async def in_session(engine: Engine, work: Callable[[Session], T]) -> T:
    """`work(session)` in a worker thread (the routes also await Temporal); receiver secrets
    without `notifications.secret_key` (or under another key) are a 409."""

    def run() -> T:
        with Session(engine) as session:
            try:
                return work(session)
            except (SecretKeyMissing, SecretUnreadable) as exc:
                raise ApiError(409, "secret_key_missing", str(exc)) from exc

    return await run_in_threadpool(run)


def box_of(settings: Settings) -> SecretBox:
    return SecretBox.of(settings.notifications)


def check_length(text: str) -> None:
    """A document over the limit is a 413, before anything parses it."""
    if len(text) > MAX_TEXT:
        raise ApiError(413, "too_large", f"the document is longer than {MAX_TEXT} characters")


def invalid(exc: ConfigInvalid) -> JSONResponse:
    body = ConfigErrorBody(
        error=ConfigErrorDetail(
            code="invalid_config",
            message=f"{len(exc.problems)} problem(s): {exc}",
            problems=[ConfigProblem(**asdict(p)) for p in exc.problems],
        )
    )
    return JSONResponse(body.model_dump(), status_code=422)


def version_public(
    session: Session, row: ConfigVersion, live: int | None, *, text: bool = False
) -> VersionPublic:
    document = session.get(ConfigDocument, row.document_id)
    assert document is not None
    previous = documents.get_version(session, document, row.version - 1)
    data = {
        **row.model_dump(exclude={"problems", "text"}),
        "live": row.version == live,
        "problems": row.problems,
        "diff": documents.diff(previous, row),
    }
    if text:
        return VersionText.model_validate({**data, "text": row.text})
    return VersionPublic.model_validate(data)


def version_text(session: Session, row: ConfigVersion, live: int | None) -> VersionText:
    shown = version_public(session, row, live, text=True)
    assert isinstance(shown, VersionText)
    return shown


def target_public(session: Session, target: ConfigTarget, *, stale_after: float) -> TargetPublic:
    state = health(target, now=utcnow(), stale_after=stale_after)
    files = render.file_names(session, target)
    rollout = rollout_state(target, latest_rollout(session, target.name))
    return TargetPublic.model_validate(
        {
            **target.model_dump(),
            "in_sync": state.in_sync,
            "stale": state.stale,
            "stale_reason": state.why,
            "files": files,
            "rollout": asdict(rollout) if rollout else None,
        }
    )


def starts_public(starts: list[RolloutStart]) -> list[RolloutStartPublic]:
    return [RolloutStartPublic.model_validate(asdict(s)) for s in starts]


async def roll_out_changes(
    request: Request, engine: Engine, settings: Settings, rollouts: list[RolloutInput],
    *, new_row: bool = False,
) -> list[RolloutStart]:  # fmt: skip
    """Start the rollouts a change recorded (any that cannot start stay pending); `new_row`:
    ones asked for by hand, recorded as they start."""
    return await roll_out(
        lambda: temporal_client(request.app.state), engine, rollouts,
        task_queue=settings.temporal.task_queue, within=settings.config_sync.start_timeout,
        agent_wait=settings.config_sync.agent_wait, new_row=new_row,
    )  # fmt: skip


def live_number(session: Session, document: ConfigDocument) -> int | None:
    row = documents.live(session, document)
    return row.version if row else None
