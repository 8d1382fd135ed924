"""A config target that fails, drifts or goes stale raises a Sluice alert (source "sluice")
through the alert pipeline, so its routes and channels tell someone; the alert resolves when
the target is well again. Only changes are sent: the target keeps the names firing for it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api.services import config_rollouts
from api.services.alerts_ingest import Delivery, store
from api.services.config_targets import get_target, health, list_targets
from sluice.alerts import IncomingAlert, fingerprint
from sluice.contracts.config_sync import RolloutInput
from sluice.settings import Settings
from store.alert_outbox import OutboxRow
from store.models import ConfigTarget, utcnow

log = logging.getLogger(__name__)
FAILED, DRIFT, STALE = (
    "SluiceConfigTargetFailed",
    "SluiceConfigTargetDrift",
    "SluiceConfigTargetStale",
)


def wanted(target: ConfigTarget, *, now: datetime, stale_after: float) -> dict[str, str]:
    """{alertname: summary} of what should fire for the target now."""
    out = {}
    if target.error:
        out[FAILED] = f"config target {target.name}: {target.error}"
    if target.drift:
        out[DRIFT] = f"config target {target.name}: its files were changed by hand"
    state = health(target, now=now, stale_after=stale_after)
    if state.stale:
        out[STALE] = f"config target {target.name} is stale: {state.why}"
    return out


def sync_alerts(engine: Engine, name: str, *, stale_after: float) -> list[OutboxRow]:
    """Raise or resolve the target's alerts to match its state; the outbox rows to signal."""
    now = utcnow()
    with Session(engine) as session:
        target = get_target(session, name=name)
        if target is None:
            return []
        want = wanted(target, now=now, stale_after=stale_after)
        had = set(target.alerting)
        if set(want) == had:
            return []
        alerts = [_alert(target, n, "firing", want[n], now) for n in sorted(set(want) - had)]
        alerts += [_alert(target, n, "resolved", "", now) for n in sorted(had - set(want))]
        target.alerting = sorted(want)
        session.add(target)
        session.commit()
    # Written after the target's state: a crash in between loses one notice, never repeats it
    # forever; a replica racing this one sends the same alert, which the store deduplicates.
    body = json.dumps([[a.fingerprint, a.status] for a in alerts] + [now.isoformat()])
    stored = store(
        engine, Delivery("sluice", alerts, {"target": name}),
        body=body.encode(), sender="sluice", now=now,
    )  # fmt: skip
    return stored.outbox


def _alert(
    target: ConfigTarget, name: str, status: str, summary: str, now: datetime
) -> IncomingAlert:
    labels = {
        "alertname": name, "config_target": target.name, "kind": target.kind,
        "severity": "warning", **{f"target_{k}": v for k, v in target.labels.items()},
    }  # fmt: skip
    return IncomingAlert(
        fingerprint=fingerprint(labels),
        status=status,
        labels=labels,
        annotations={"summary": summary[:500]} if summary else {},
        starts_at=now if status == "firing" else None,
        ends_at=now if status == "resolved" else None,
        generator_url="",
    )


def watch_once(engine: Engine, *, stale_after: float) -> tuple[list[OutboxRow], list[RolloutInput]]:
    """Every target's alerts brought up to date; and the rollouts still to start."""
    with Session(engine) as session:
        names = [t.name for t in list_targets(session)]
        pending = config_rollouts.pending(session)
    rows: list[OutboxRow] = []
    for name in names:
        rows += sync_alerts(engine, name, stale_after=stale_after)
    return rows, pending


async def watch_forever(
    client: Callable[[], Awaitable[Client]],
    engine: Engine,
    settings: Settings,
    offer: Callable[[Sequence[OutboxRow]], object],
) -> None:
    """Every `config_sync.check_interval`: stale targets raise their alert and pending
    rollouts are started again (each API replica does it; both are idempotent)."""
    cfg = settings.config_sync
    while cfg.check_interval > 0:
        await asyncio.sleep(cfg.check_interval)
        try:
            rows, pending = await run_in_threadpool(watch_once, engine, stale_after=cfg.stale_after)
            if rows:
                offer(rows)
            await config_rollouts.roll_out(
                client, engine, pending,
                task_queue=settings.temporal.task_queue, within=cfg.start_timeout,
                agent_wait=cfg.agent_wait,
            )  # fmt: skip
        except Exception:  # the next round tries again
            log.exception("config target watch failed")
