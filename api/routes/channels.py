"""Notification channels: CRUD, a test message, and the record of every notification sent."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import TimeoutError as TemporalTimeout

from api.auth import read_write
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.services import channels as channel_service
from sluice.channels import CHANNEL_TEST_TIMEOUT_S, CHANNEL_TEST_WORKFLOW, ChannelTestResult
from sluice.secretbox import SecretBox, SecretKeyMissing, SecretUnreadable
from sluice.settings import Settings
from store.models import (
    ChannelCreate,
    ChannelPublic,
    ChannelUpdate,
    NotificationPublic,
    NotificationStatus,
    Role,
)
from store.models.common import RowId

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
    return SecretBox.of(settings.notifications)


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
    channel_id: RowId, session: SessionDep, settings: SettingsDep, temporal: TemporalDep
) -> TestResult:
    """Send a test message now, through the worker; the outcome is in /notifications too."""
    if channel_service.get_channel(session, channel_id=channel_id) is None:
        raise not_found("channel", str(channel_id))
    queue = settings.temporal.task_queue
    if not await _has_worker(temporal, queue):
        raise _no_worker(queue)
    try:
        result = await temporal.execute_workflow(
            CHANNEL_TEST_WORKFLOW,
            channel_id,
            id=f"channel-test-{channel_id}-{uuid.uuid4().hex[:12]}",
            task_queue=queue,
            result_type=ChannelTestResult,
            execution_timeout=timedelta(seconds=CHANNEL_TEST_TIMEOUT_S + 30),
        )
    except WorkflowFailureError as exc:
        if not isinstance(exc.cause, TemporalTimeout):
            raise ApiError(
                502, "channel_test_failed", f"channel test: {exc.cause or exc}"
            ) from None
        raise _no_worker(queue) from None
    return TestResult(sent=result.sent, error=result.error, error_class=result.error_class)


async def _has_worker(temporal: Client, queue: str) -> bool:
    """Whether a worker has polled `queue` for workflow tasks lately (Temporal remembers a
    few minutes of pollers): without one the test would only wait out its timeout."""
    described = await temporal.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=temporal.namespace,
            task_queue=TaskQueue(name=queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return bool(described.pollers)


def _no_worker(queue: str) -> ApiError:
    return ApiError(
        503,
        "worker_unavailable",
        f"no worker serves task queue {queue!r}, so nothing can send the test message: "
        "start `sluice worker` (or `sluice dev`)",
    )


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
