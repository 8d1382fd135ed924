"""AlertGroupWorkflow against its real activities: a migrated SQLite DB, a published routing
version, webhook channels on a loopback peer, alerts written by the ingestion service and
dispatched through the outbox as the API does. Only the clock is Temporal's time-skipping
test server's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.alert_analysis import AlertAnalysisActivities
from activities.alert_groups import AlertGroupActivities
from activities.notify import NotifyActivities
from activities.notify.store import ChannelStore
from activities.tickets import TicketActivities
from api.services import alert_dispatch
from api.services.alerts_ingest import Delivery, store
from sluice.alerts import IncomingAlert, fingerprint
from sluice.secretbox import SecretBox
from sluice.settings import AiSettings, NotificationSettings, TicketSettings
from store.models import AlertEvent, AlertGroup, AlertRoutingVersion, Silence
from tests.activities.test_notify import KEY, add_channel
from tests.e2e.agent_support import eventually
from tests.peers.chat import WebhookPeer
from workflows.alert_analysis import AlertAnalysisWorkflow
from workflows.alert_group import AlertGroupWorkflow
from workflows.ticket import TicketWorkflow


@dataclass
class GroupRig:
    env: WorkflowEnvironment
    engine: Engine
    peer: WebhookPeer
    task_queue: str = field(default_factory=lambda: f"alerts-{uuid.uuid4().hex[:10]}")
    tickets: TicketSettings = field(default_factory=TicketSettings)
    ai: AiSettings = field(default_factory=AiSettings)  # no LLM: the built-in analysis

    @property
    def client(self) -> Client:
        return self.env.client

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def send(self, *alerts: IncomingAlert) -> list[str]:
        """Ingest `alerts` and signal their groups; the group ids signalled."""
        delivery = Delivery("prometheus", list(alerts), {})
        stored = store(
            self.engine, delivery, body=uuid.uuid4().bytes, sender="test", now=await self.now()
        )
        await alert_dispatch.dispatch(
            self.client, self.engine, stored.outbox, task_queue=self.task_queue
        )
        return sorted({row.group_id for row in stored.outbox})

    async def finished(self, group_id: str, within: float) -> Any:
        """The group run's result, once `within` seconds of its clock have passed (the
        test server skips time only for handles it started itself)."""
        await self.env.sleep(within)
        return await self.client.get_workflow_handle(group_id).result()

    def messages(self) -> list[dict[str, Any]]:
        return list(self.peer.accepted)

    async def told(self, count: int) -> list[dict[str, Any]]:
        """The messages once there are `count`. The server's clock runs on with real time
        while a workflow task or an activity holds it, so on a busy machine a flush due a
        second before an `env.sleep` ends can land a moment after it: this waits for it
        (real time, at most 20 s) instead of reading the peer at once."""
        await eventually(lambda: len(self.peer.accepted) >= count, 20, f"{count} message(s)")
        return self.messages()

    def titles(self) -> list[str]:
        return [m["title"] for m in self.peer.accepted]

    def events(self, kind: str) -> list[AlertEvent]:
        with Session(self.engine) as session:
            query = select(AlertEvent).where(AlertEvent.kind == kind).order_by(AlertEvent.id)  # type: ignore[arg-type]
            return list(session.exec(query).scalars())  # type: ignore[call-overload]

    def group(self, group_id: str) -> AlertGroup:
        with Session(self.engine) as session:
            row = session.get(AlertGroup, group_id)
            assert row is not None
            return row

    @asynccontextmanager
    async def worker(self, *, cache: bool = True) -> AsyncIterator[Worker]:
        """A worker for the group workflows; without a `cache` every task replays the run's
        history (and no task waits on the sticky queue of a worker that is gone)."""
        box = SecretBox.from_text(KEY)
        channels = ChannelStore(self.engine, box)
        notify = NotifyActivities(channels, NotificationSettings())
        acts = AlertGroupActivities(
            self.engine, channels, notify, public_url="http://sluice", tickets=self.tickets
        )
        tickets = TicketActivities(self.engine, channels, notify, self.tickets)
        analysis = AlertAnalysisActivities(self.engine, self.ai)
        async with Worker(
            self.client,
            task_queue=self.task_queue,
            workflows=[AlertGroupWorkflow, TicketWorkflow, AlertAnalysisWorkflow],
            activities=[
                analysis.plan,
                analysis.analyse,
                acts.timings,
                acts.flush,
                acts.escalate,
                acts.record_action,
                tickets.timers,
                tickets.breached,
                tickets.record_breach,
                tickets.escalate,
            ],
            max_cached_workflows=1000 if cache else 0,
        ) as worker:
            yield worker


def publish(engine: Engine, text: str) -> None:
    with Session(engine) as session:
        session.add(AlertRoutingVersion(text=text, published_at=datetime(2026, 1, 1, tzinfo=UTC)))
        session.commit()


def add_silence(
    engine: Engine,
    matchers: Sequence[str],
    starts: datetime,
    ends: datetime,
    *,
    notify_resolved: bool = False,
    notify_on_expiry: bool = False,
) -> int:
    with Session(engine) as session:
        silence = Silence(
            matchers=list(matchers), starts_at=starts, ends_at=ends,
            notify_resolved=notify_resolved, notify_on_expiry=notify_on_expiry,
        )  # fmt: skip
        session.add(silence)
        session.commit()
        assert silence.id is not None
        return silence.id


def hook_channels(engine: Engine, peer: WebhookPeer, *names: str) -> None:
    for name in names:
        add_channel(engine, name, "webhook", {"url": peer.url}, {"secret": "hook-secret"})


def alert(name: str, status: str = "firing", at: datetime | None = None,
          **labels: str) -> IncomingAlert:  # fmt: skip
    all_labels = {"alertname": name, **labels}
    return IncomingAlert(
        fingerprint=fingerprint(all_labels),
        status=status,
        labels=all_labels,
        annotations={"summary": f"{name} is bad"},
        starts_at=at,
        ends_at=at + timedelta(seconds=1) if at and status == "resolved" else None,
        generator_url="http://prom/graph",
    )
