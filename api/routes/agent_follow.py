"""Follow a file on an agent: new lines as Server-Sent Events, for at most 30 minutes and a
bounded number of viewers at once. All the follows of one agent share one poll of it a second
(api/services/follow_hub.py)."""

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
from api.routes.agent_files import (
    HOST_RESPONSES,
    PathQuery,
    agent_of,
    ask,
    host_error,
    located,
)
from api.services.follow_hub import FollowHub, QueueBounds, Viewer
from api.services.host_files import FollowLimits, FollowSlot, TooManyFollows
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
        "agent stops answering (`too_slow`: the viewer did not read its events in time), and "
        "`end` at the time cap. Close the EventSource on `error` and `end`.",
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


def make_hub(temporal: TemporalDep, settings: SettingsDep, limits: FollowLimits) -> FollowHub:
    """Shared follows asking agents through HostQueryWorkflow, with the limits' poll and queues."""

    async def asked(agent_id: str, activity: str, arg: dict[str, Any]) -> dict[str, Any]:
        return await ask(temporal, settings, agent_id, activity, arg)

    bounds = QueueBounds(limits.viewer_events, limits.viewer_chars)
    return FollowHub(asked, host_error, limits.poll_seconds, bounds)


def follow_hub(request: Request, temporal: TemporalDep, settings: SettingsDep) -> FollowHub:
    """The process's shared follows, made on first use."""
    state = request.app.state
    if getattr(state, "follow_hub", None) is None:
        state.follow_hub = make_hub(temporal, settings, follow_limits(request))
    hub: FollowHub = state.follow_hub
    return hub


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
        key = (agent_id, where.root, where.rel_path)
        viewer, first = await follow_hub(request, temporal, settings).join(key, offset, inode)
    except BaseException:
        slot.release()
        raise
    follow = _Follow(request, limits, slot, viewer)
    return StreamingResponse(
        follow.events(first),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(follow.leave),
    )


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class _Follow:
    """One viewer's stream: its events from the hub until the time cap, an error or it leaves."""

    def __init__(
        self, request: Request, limits: FollowLimits, slot: FollowSlot, viewer: Viewer
    ) -> None:
        self.request, self.limits, self.slot, self.viewer = request, limits, slot, viewer

    async def leave(self) -> None:
        """The response's clean-up (async: it runs on the event loop, as the hub must)."""
        self.close()

    def close(self) -> None:
        self.viewer.leave()
        self.slot.release()

    async def events(self, first: dict[str, Any]) -> AsyncIterator[str]:
        deadline = time.monotonic() + self.limits.max_seconds
        try:
            yield "retry: 5000\n\n"
            if first["lines"] or first["reset"]:
                yield _event("lines", {k: first[k] for k in ("lines", "offset", "reset")})
            else:
                yield ": keepalive\n\n"
            while True:
                try:
                    name, data = await asyncio.wait_for(
                        self.viewer.next(), max(0.0, deadline - time.monotonic())
                    )
                except TimeoutError:
                    yield _event("end", {"reason": f"followed for {self.limits.max_seconds:g}s"})
                    return
                yield ": keepalive\n\n" if name == "keepalive" else _event(name, data)
                if name == "error" or await self.request.is_disconnected():
                    return
        finally:
            self.close()
