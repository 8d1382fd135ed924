"""Rows written straight into a test database, with the timestamps a test chooses."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from store.models import Agent, AgentStatus, FileEvent, RoutingRule, Task, TaskStatus, utcnow

MiB, KiB = 1024 * 1024, 1024


def seed_task(
    engine: Engine,
    at: datetime,
    status: str,
    *,
    size: int | None = MiB,
    dwell_s: float | None = None,
    error_class: str = "",
    rule_id: int | None = None,
) -> str:
    """A file detected and its task created at `at`; finished `dwell_s` later if given."""
    event_id = f"fe-{uuid.uuid4().hex[:10]}"
    task_id = f"file-{uuid.uuid4().hex[:10]}"
    with Session(engine) as session:
        session.add(
            FileEvent(
                id=event_id, dedup_key=event_id, agent_id="host-a", host="host-a.example",
                root="/srv", rel_path=f"in/{task_id}.log", name=f"{task_id}.log",
                size=size or 0, mtime_ns=0, detected_at=at,
            )
        )  # fmt: skip
        session.flush()
        finished = at + timedelta(seconds=dwell_s) if dwell_s is not None else None
        session.add(
            Task(
                id=task_id, workflow_id=task_id, file_event_id=event_id, agent_id="host-a",
                status=TaskStatus(status), size=size, error_class=error_class, rule_id=rule_id,
                created_at=at, updated_at=at, started_at=at, finished_at=finished,
            )
        )  # fmt: skip
        session.commit()
    return task_id


def seed_rule(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        rule = RoutingRule(name=name)
        session.add(rule)
        session.commit()
        assert rule.id is not None
        return rule.id


def seed_agent(engine: Engine, agent_id: str, silent_s: float, status: str = "online") -> None:
    with Session(engine) as session:
        last = utcnow() - timedelta(seconds=silent_s)
        session.add(
            Agent(
                id=agent_id, hostname=agent_id, status=AgentStatus(status), last_heartbeat_at=last
            )
        )
        session.commit()
