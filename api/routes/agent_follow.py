"""Follow a file on an agent: new lines as Server-Sent Events, polled through its host queue
about once a second, for at most 30 minutes and a bounded number of viewers at once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from api.auth import read_write
from api.deps import EngineDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody
from api.routes.agent_files import HOST_RESPONSES, PathQuery, agent_of, ask, located
from api.services.host_files import FollowLimits, FollowSlot, Located, TooManyFollows
from sluice.contracts.host_files import READ_FROM
from store.models import Role

router = APIRouter(
    prefix="/agents",
    tags=["agent files"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    **HOST_RESPONSES,
    200: {
        "description": "`text/event-stream`: `lines` events (`{lines, offset, reset}`), a "
        "`: keepalive` comment when nothing was written, `error` (`{code, message}`) if the "
        "agent stops answering, and `end` at the time cap. Close the EventSource on `end`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    429: {"model": ErrorBody, "description": "too many follows open (per agent or in all)"},
}


def follow_limits(request: Request) -> FollowLimits:
    """The process's limits, made on first use (tests may set `app.state.follow_limits`)."""
    state = request.app.state
    if getattr(state, "follow_limits", None) is None:
        state.follow_limits = FollowLimits()
    limits: FollowLimits = state.follow_limits
    return limits


@router.get(
    "/{agent_id}/files/follow",
    response_class=StreamingResponse,
    responses=STREAM_DOC,
)
async def follow_file(
    agent_id: str,
    path: PathQuery,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    temporal: TemporalDep,
    offset: Annotated[
        int, Query(ge=-1, description="Where to start (a tail's `offset`); -1: the end.")
    ] = -1,
    inode: Annotated[int, Query(ge=0)] = 0,
) -> StreamingResponse:
    """New lines of a file as they are written (masked), until the viewer leaves."""
    where = located(await agent_of(engine, agent_id), path)
    limits = follow_limits(request)
    try:
        slot = limits.take(agent_id)
    except TooManyFollows as exc:
        raise ApiError(429, "too_many_follows", str(exc), {"Retry-After": "30"}) from None
    try:
        arg = {"root": where.root, "rel_path": where.rel_path, "offset": offset, "inode": inode}
        first = await ask(temporal, settings, agent_id, READ_FROM, arg)
    except BaseException:
        slot.release()
        raise
    follow = _Follow(request, temporal, settings, agent_id, where, limits, slot)
    return StreamingResponse(
        follow.events(first),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(slot.release),
    )


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class _Follow:
    """One viewer's follow: the stream yields only when the client reads (backpressure)."""

    def __init__(
        self,
        request: Request,
        temporal: TemporalDep,
        settings: SettingsDep,
        agent_id: str,
        where: Located,
        limits: FollowLimits,
        slot: FollowSlot,
    ) -> None:
        self.request, self.temporal, self.settings = request, temporal, settings
        self.agent_id, self.where, self.limits, self.slot = agent_id, where, limits, slot

    async def events(self, first: dict[str, Any]) -> AsyncIterator[str]:
        deadline = time.monotonic() + self.limits.max_seconds
        got = first
        try:
            yield "retry: 5000\n\n"
            while True:
                if got["lines"] or got["reset"]:
                    yield _event("lines", {k: got[k] for k in ("lines", "offset", "reset")})
                else:
                    yield ": keepalive\n\n"
                if time.monotonic() >= deadline:
                    yield _event("end", {"reason": f"followed for {self.limits.max_seconds:g}s"})
                    return
                await asyncio.sleep(self.limits.poll_seconds)
                if await self.request.is_disconnected():
                    return
                try:
                    got = await self._next(got)
                except ApiError as exc:
                    yield _event("error", {"code": exc.code, "message": exc.message})
                    return
        finally:
            self.slot.release()

    async def _next(self, last: dict[str, Any]) -> dict[str, Any]:
        arg = {
            "root": self.where.root, "rel_path": self.where.rel_path,
            "offset": last["offset"], "inode": last["inode"],
        }  # fmt: skip
        return await ask(self.temporal, self.settings, self.agent_id, READ_FROM, arg)
