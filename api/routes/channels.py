"""Notification channels: CRUD, a test message, and the record of every notification sent."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError

from activities.notify import NotifyActivities
from activities.notify.store import ChannelStore
from activities.notify.templates import render_message
from api.auth import read_write
from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.models import (
    ChannelCreate,
    ChannelPublic,
    ChannelUpdate,
    NotificationPublic,
    NotificationStatus,
    Role,
)
from api.models.common import RowId
from api.services import channels as channel_service
from sluice.secretbox import SecretBox, SecretKeyMissing, SecretUnreadable
from sluice.settings import Settings

router = APIRouter(
    tags=["channels"],
    responses={**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]},
    dependencies=[Depends(read_write(Role.operator))],
)


class TestResult(BaseModel):
    sent: bool
    error: str = ""
    error_class: str = ""


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.notifications.secret_key)


@router.get("/channels", response_model=list[ChannelPublic])
def list_channels(session: SessionDep, settings: SettingsDep) -> list[ChannelPublic]:
    """List channels (secrets are never returned, only which ones are set)."""
    box = _box(settings)
    return [channel_service.channel_public(c, box) for c in channel_service.list_channels(session)]


@router.post("/channels", response_model=ChannelPublic, status_code=201)
def create_channel(
    body: ChannelCreate, session: SessionDep, settings: SettingsDep
) -> ChannelPublic:
    """Create a channel; its secrets are encrypted with notifications.secret_key."""
    box = _box(settings)
    try:
        channel = channel_service.create_channel(session, body=body, box=box)
    except ValueError as exc:
        raise ApiError(422, "invalid_channel", str(exc)) from exc
    except SecretKeyMissing as exc:
        raise ApiError(409, "secret_key_missing", str(exc)) from exc
    except channel_service.ChannelConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    return channel_service.channel_public(channel, box)


@router.get("/channels/{channel_id}", response_model=ChannelPublic)
def get_channel(channel_id: RowId, session: SessionDep, settings: SettingsDep) -> ChannelPublic:
    """Show one channel."""
    channel = channel_service.get_channel(session, channel_id=channel_id)
    if channel is None:
        raise not_found("channel", str(channel_id))
    return channel_service.channel_public(channel, _box(settings))


@router.put("/channels/{channel_id}", response_model=ChannelPublic)
def update_channel(
    channel_id: RowId, body: ChannelUpdate, session: SessionDep, settings: SettingsDep
) -> ChannelPublic:
    """Change a channel; `secrets`, when given, replaces all of its secrets."""
    box = _box(settings)
    try:
        channel = channel_service.update_channel(session, channel_id=channel_id, body=body, box=box)
    except ValueError as exc:
        raise ApiError(422, "invalid_channel", str(exc)) from exc
    except (SecretKeyMissing, SecretUnreadable) as exc:
        raise ApiError(409, "secret_key_missing", str(exc)) from exc
    except channel_service.ChannelConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if channel is None:
        raise not_found("channel", str(channel_id))
    return channel_service.channel_public(channel, box)


@router.delete("/channels/{channel_id}", status_code=204)
def delete_channel(channel_id: RowId, session: SessionDep) -> Response:
    """Delete a channel (its name is free again); its notification records stay, by name."""
    if not channel_service.delete_channel(session, channel_id=channel_id):
        raise not_found("channel", str(channel_id))
    return Response(status_code=204)


@router.post("/channels/{channel_id}:test", response_model=TestResult)
async def test_channel(
    channel_id: RowId, request: Request, session: SessionDep, settings: SettingsDep
) -> TestResult:
    """Send a test message now; the outcome is recorded in /notifications too."""
    row = channel_service.get_channel(session, channel_id=channel_id)
    if row is None:
        raise not_found("channel", str(channel_id))
    engine: Engine = request.app.state.engine
    store = ChannelStore(engine, _box(settings))
    notify = NotifyActivities(store, settings.notifications)
    message = render_message("test", {"channel": row.name})
    try:
        channel = store.loaded(row)
        await notify.deliver(channel, message, task_id=None, step="test")
    except ApplicationError as exc:
        return TestResult(sent=False, error=exc.message, error_class=exc.type or "unknown")
    return TestResult(sent=True)


@router.get("/notifications", response_model=list[NotificationPublic])
def list_notifications(
    session: SessionDep,
    channel_id: RowId | None = None,
    task_id: str | None = None,
    status: NotificationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[NotificationPublic]:
    """Notifications sent (or not), newest first, with outcome and error."""
    return channel_service.list_notifications(
        session, channel_id=channel_id, task_id=task_id, status=status, limit=limit
    )
