"""Notifications: render a message per event, send it to channels, record every send."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from activities.notify.senders import Message, Senders
from activities.notify.store import ChannelStore, LoadedChannel
from activities.notify.templates import render_message
from sluice.actions import (
    DigestInput,
    DigestRequest,
    FailureNotice,
    NotifyRequest,
    NotifyResult,
)
from sluice.settings import NotificationSettings
from store.models import Notification, NotificationStatus

DIGEST_WORKFLOW = "FailureDigestWorkflow"


def message_values(req: NotifyRequest) -> dict[str, Any]:
    """What a template sees: `task`, `file`, `analysis` (may be None)."""
    task = {"id": req.task_id, **req.facts}
    file = req.context.values() if req.context else {}
    analysis = asdict(req.analysis) if req.analysis else None
    return {"event": req.event, "task": task, "file": file, "analysis": analysis}


class NotifyActivities:
    def __init__(
        self,
        channels: ChannelStore,
        settings: NotificationSettings,
        client: Client | None = None,
        task_queue: str = "",
    ) -> None:
        self._channels = channels
        self._settings = settings
        self._senders = Senders(settings)
        self._client = client
        self._queue = task_queue

    @activity.defn(name="send_notification")
    async def send_notification(self, req: NotifyRequest) -> NotifyResult:
        """Send to every channel not yet reached by this step; fail if any channel failed."""
        sent: list[str] = []
        skipped: list[str] = []
        failures: list[ApplicationError] = []
        for name in req.channels:
            channel = await asyncio.to_thread(self._channels.load, name)
            done = bool(req.task_id) and await asyncio.to_thread(
                self._channels.already_sent, channel.id, req.task_id, req.step
            )
            if done:
                skipped.append(name)
                continue
            message = self._render(req)
            try:
                await self.deliver(channel, message, task_id=req.task_id, step=req.step)
            except ApplicationError as exc:
                failures.append(exc)
                continue
            sent.append(name)
        if failures:
            raise _combined(failures, sent)
        return NotifyResult(sent, skipped)

    @activity.defn(name="queue_failure_notice")
    async def queue_failure_notice(self, notice: FailureNotice) -> str:
        """Hand a failure notice to its channel's digest workflow (or send it at once)."""
        window = self._settings.failure_window
        if window <= 0 or self._client is None:
            req = replace(notice.request, channels=[notice.channel])
            await self.send_notification(req)
            return "sent"
        await self._client.start_workflow(
            DIGEST_WORKFLOW,
            DigestInput(notice.channel, window),
            id=f"notify-digest-{notice.channel}",
            task_queue=self._queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal="add",
            start_signal_args=[notice.request],
        )
        return "queued"

    @activity.defn(name="send_digest")
    async def send_digest(self, req: DigestRequest) -> None:
        """One message for the failures collected during a window."""
        channel = await asyncio.to_thread(self._channels.load, req.channel)
        values = {
            "count": req.total,
            "window": _human(req.window_s),
            "notices": [message_values(n) for n in req.notices],
        }
        message = render_message("task_failed_digest", values)
        await self.deliver(channel, message, task_id=None, step="digest", count=req.total)

    @activity.defn(name="send_test_message")
    async def send_test_message(self, channel_id: int) -> None:
        """`POST /channels/{id}:test`: one test message, recorded like any other send."""
        channel = await asyncio.to_thread(self._channels.load_id, channel_id)
        message = render_message("test", {"channel": channel.name})
        await self.deliver(channel, message, task_id=None, step="test")

    async def deliver(
        self,
        channel: LoadedChannel,
        message: Message,
        *,
        task_id: str | None,
        step: str,
        count: int = 1,
    ) -> None:
        """Send one message and record the outcome."""
        row = Notification(
            channel_id=channel.id,
            task_id=task_id or None,
            event_type=message.event,
            step=step,
            title=message.title[:300],
            count=count,
        )
        try:
            await self._senders.send(channel, message)
        except ApplicationError as exc:
            row.status, row.error = NotificationStatus.failed, exc.message[:2000]
            await asyncio.to_thread(self._channels.record, row)
            raise
        row.status = NotificationStatus.sent
        await asyncio.to_thread(self._channels.record, row)

    def _render(self, req: NotifyRequest) -> Message:
        try:
            return render_message(
                req.event,
                message_values(req),
                title=req.title_template,
                text=req.text_template,
                mentions=req.mentions,
            )
        except Exception as exc:  # a template error: the rule must change, retrying won't help
            raise ApplicationError(
                f"message template for {req.event}: {type(exc).__name__}: {exc}",
                type="invalid_input",
                non_retryable=True,
            ) from exc


def _combined(failures: list[ApplicationError], sent: list[str]) -> ApplicationError:
    retryable = [f for f in failures if not f.non_retryable]
    chosen = retryable[0] if retryable else failures[0]
    delays = [f.next_retry_delay for f in retryable if f.next_retry_delay]
    message = "; ".join(f.message for f in failures)
    if sent:
        message += f" (sent to {', '.join(sent)})"
    return ApplicationError(
        message,
        type=chosen.type,
        non_retryable=not retryable,
        next_retry_delay=max(delays) if delays else None,
    )


def _human(seconds: float) -> str:
    delta = timedelta(seconds=int(seconds))
    if seconds % 60 == 0 and seconds >= 60:
        return f"{int(seconds // 60)} min"
    return f"{delta.total_seconds():g} s"
