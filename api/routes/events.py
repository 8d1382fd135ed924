"""Live updates: one server-sent-events stream of task, alert group, agent and config target
changes for the console."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.auth import read_write
from api.deps import EngineDep
from api.errors import ERROR_RESPONSES
from api.services.changes import (
    OVERLAP,
    Change,
    agent_states,
    config_target_states,
    from_micros,
    group_changes,
    task_changes,
    to_micros,
)
from api.services.live import BATCH, RESET, LiveHub, Subscriber
from store.models import Role, utcnow

KEEPALIVE_SECONDS = 15.0
RETRY_MS = 3_000
# A stream ends after this long, asking to be reopened at once (it resumes by Last-Event-ID):
# uvicorn's graceful shutdown waits for open responses, so none may last for ever.
STREAM_SECONDS = 10.0
REOPEN_MS = 250

router = APIRouter(
    tags=["events"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(read_write(Role.operator))],
)

STREAM_DOC = {
    200: {
        "description": "`text/event-stream`: `task`, `alert_group`, `agent` and `config_target` "
        "(its sync or rollout state changed) events, each data "
        "a JSON object "
        "`{id, status, at}` and each with an `id:` to resume from; `reset` when too much "
        "changed to list (refresh everything); a `: keepalive` comment every 15 s. The stream "
        "ends after 10 s with `retry: 250`: reconnect with `Last-Event-ID`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def hub(request: Request) -> LiveHub:
    """The process's hub, made on first use (one change-feed loop per API process)."""
    state = request.app.state
    if getattr(state, "live_hub", None) is None:
        state.live_hub = LiveHub(state.engine)
    live: LiveHub = state.live_hub
    return live


@router.get("/events", response_class=StreamingResponse, responses=STREAM_DOC)  # type: ignore[arg-type]
async def events(
    request: Request,
    engine: EngineDep,
    last_event_id: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> StreamingResponse:
    """Task, alert group, agent and config target changes as they happen (at least once).

    Send the last event's id back as `Last-Event-ID` (browsers do when they reconnect) to get
    what changed meanwhile first.
    """
    resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    live = hub(request)
    subscriber = live.subscribe()  # before reading the backlog, so nothing falls in between
    try:
        backlog = [] if resume is None else await _backlog(engine, from_micros(resume))
    except BaseException:
        live.unsubscribe(subscriber)
        raise
    return StreamingResponse(
        _stream(live, subscriber, backlog, resume or to_micros(utcnow())),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _backlog(engine: Engine, seen: datetime) -> list[Change]:
    """What changed after the event the client last saw (looking back OVERLAP for late commits)."""
    after = seen - OVERLAP
    tasks = await run_in_threadpool(task_changes, engine, after=after, limit=BATCH + 1)
    groups = await run_in_threadpool(group_changes, engine, after=after, limit=BATCH + 1)
    if len(tasks) > BATCH or len(groups) > BATCH:
        return [RESET]
    agents = await run_in_threadpool(agent_states, engine)
    targets = await run_in_threadpool(config_target_states, engine)
    return tasks + groups + [s for s in agents + targets if s.at > after]


async def _stream(
    live: LiveHub, subscriber: Subscriber, backlog: list[Change], start_id: int
) -> AsyncIterator[str]:
    end = time.monotonic() + STREAM_SECONDS
    try:
        # An id from the start, so even a quiet stream is resumed without a gap.
        yield f"retry: {RETRY_MS}\nid: {start_id}\n\n"
        for change in backlog:
            yield _frame(change)
        while not subscriber.dropped.is_set():
            left = end - time.monotonic()
            if left <= 0:
                # "now" is safe to resume from: a resumption looks back OVERLAP
                yield f"id: {to_micros(utcnow())}\nretry: {REOPEN_MS}\n\n"
                return
            try:
                change = await asyncio.wait_for(
                    subscriber.queue.get(), min(KEEPALIVE_SECONDS, left)
                )
            except TimeoutError:
                yield ": keepalive\n\n"
            else:
                yield _frame(change)
    finally:
        live.unsubscribe(subscriber)


def _frame(change: Change) -> str:
    if change is RESET:
        return "event: reset\ndata: {}\n\n"
    data = json.dumps({"id": change.id, "status": change.status, "at": change.at.isoformat()})
    return f"event: {change.kind}\nid: {change.event_id}\ndata: {data}\n\n"
