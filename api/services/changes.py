"""What changed since a moment: tasks and alert groups by `updated_at` (indexed), agents by
status and heartbeat.

The database is the source of truth, so every API replica reads the same changes. Commits
can land out of `updated_at` order (a slow transaction stamped earlier commits later), so
callers look back `OVERLAP` before their watermark and drop what they already sent.
"""

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from store.models import Agent, AlertGroup, ConfigRollout, ConfigTarget, Task

OVERLAP = timedelta(seconds=5)
Kind = Literal["task", "agent", "alert_group", "config_target", "reset"]


@dataclass(frozen=True)
class Change:
    """One task, agent or alert group as it now is; `at` orders changes and names the event
    (its id)."""

    kind: Kind
    id: str
    status: str
    at: datetime

    @property
    def event_id(self) -> str:
        return str(to_micros(self.at))


def to_micros(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000 + at.microsecond


def from_micros(micros: int) -> datetime:
    return datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)


def task_changes(engine: Engine, *, after: datetime, limit: int) -> list[Change]:
    """Tasks updated after `after`, oldest change first, at most `limit` (an index range scan)."""
    return _changed("task", Task, engine, after=after, limit=limit)


def group_changes(engine: Engine, *, after: datetime, limit: int) -> list[Change]:
    """Alert groups changed after `after` (a count, an ack, an assignee...), oldest first."""
    return _changed("alert_group", AlertGroup, engine, after=after, limit=limit)


def _changed(
    kind: Kind, model: type[Task] | type[AlertGroup], engine: Engine, *, after: datetime,
    limit: int,
) -> list[Change]:  # fmt: skip
    query = (
        select(model.id, model.status, model.updated_at)
        .where(col(model.updated_at) > after)
        .order_by(col(model.updated_at))
        .limit(limit)
    )
    with Session(engine) as session:
        rows = session.exec(query).all()
    return [Change(kind, row_id, str(status), at) for row_id, status, at in rows]


def agent_states(engine: Engine) -> list[Change]:
    """Every agent's status and last heartbeat (a handful of rows: the monitor marks agents
    offline without a timestamp, so a status change is only seen by comparing)."""
    query = select(Agent.id, Agent.status, Agent.last_heartbeat_at, Agent.registered_at)
    with Session(engine) as session:
        rows = session.exec(query).all()
    return [
        Change("agent", agent_id, str(status), heartbeat or registered)
        for agent_id, status, heartbeat, registered in rows
    ]


def config_target_states(engine: Engine) -> list[Change]:
    """Every config target's sync and rollout state as a short fingerprint (a handful of rows:
    the sidecar's periodic report changes only `reported_at`, which is left out, so only a real
    change makes an event). `at` is the latest of its times."""
    latest = select(func.max(ConfigRollout.id)).group_by(col(ConfigRollout.target))
    with Session(engine) as session:
        targets = session.exec(select(ConfigTarget)).all()
        rollouts = session.exec(select(ConfigRollout).where(col(ConfigRollout.id).in_(latest)))
        last = {r.target: r for r in rollouts}
    out = []
    for t in targets:
        r = last.get(t.name)
        state = (
            f"{t.desired_version}:{t.desired_digest[:8]}/{t.live_version}:{t.live_digest[:8]}"
            f"/{t.disk_digest[:8]}/{int(t.drift)}/{zlib.crc32(t.error.encode()):08x}"
        )
        times = [t.created_at, t.desired_at, t.reported_at]
        if r is not None:
            state += f"/r{r.id}:{int(r.started_at is not None)}:{zlib.crc32(r.error.encode()):08x}"
            times += [r.created_at, r.started_at]
        out.append(Change("config_target", t.name, state, max(x for x in times if x)))
    return out
