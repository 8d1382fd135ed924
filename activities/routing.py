"""Central routing: the newest published rules decide a file's plan."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, select
from sqlmodel import col
from temporalio import activity

from activities.records import RecordActivities
from sluice.contracts import (
    Plan,
    RecordBatch,
    RouteRequest,
    StepUpdate,
    TaskUpdate,
    UploadOptions,
)
from sluice.rules import plan_for
from sluice.settings import Settings, StorageSettings
from store.models import Agent
from store.records import record_batch
from store.rules import published_rules

# Built once: a Core statement costs more to build than SQLite takes to run it.
_LABELS = select(col(Agent.labels)).where(col(Agent.id) == bindparam("agent_id"))


class RoutingActivities:
    def __init__(self, settings: Settings, records: RecordActivities) -> None:
        self._settings = settings
        self._records = records

    @activity.defn(name="resolve_route")
    def resolve_route(self, req: RouteRequest) -> Plan:
        """The plan for `req.file`, with upload defaults filled in from the storage settings.

        With `req.task`, the same transaction writes the run's first records (`routed`):
        step 1 of what a run records, see workflows/recorder.py.
        """
        with self._records.transaction() as conn:
            plan = self._plan(conn, req)
            if req.task is not None:
                record_batch(conn, routed(req.task, plan))
        return plan

    def _plan(self, conn: Connection, req: RouteRequest) -> Plan:
        labels = conn.execute(_LABELS, {"agent_id": req.file.agent_id}).scalar()
        plan = plan_for(
            published_rules(conn),
            req.file,
            labels=dict(labels or {}),
            now=datetime.now(UTC),
            unmatched=self._settings.pipeline.unmatched,
        )
        for stage in plan.stages:
            for step in stage:
                if isinstance(step.options, UploadOptions):
                    step.options = with_storage_defaults(step.options, self._settings.storage)
        return plan


def with_storage_defaults(options: UploadOptions, storage: StorageSettings) -> UploadOptions:
    """An upload's `options` with what its rule left unset taken from the storage settings."""
    return dataclasses.replace(
        options,
        bucket=options.bucket or storage.bucket,
        key=options.key or storage.key_template,
        part_size=options.part_size or storage.part_size,
        part_concurrency=options.part_concurrency or storage.part_concurrency,
    )


def routed(task: TaskUpdate, plan: Plan) -> RecordBatch:
    """`task` with the rule it got, and its first stage's remote steps as running; those
    are listed in `plan.started`, for the workflow not to record them again. A local step
    is recorded as it ends."""
    first = plan.stages[0] if plan.action != "ignore" and plan.stages else []
    steps = [
        StepUpdate(task.task_id, step.name, step.type, "running")
        for step in first
        if not step.is_local()
    ]
    plan.started = [step.name for step in steps]
    task = dataclasses.replace(task, rule_id=plan.rule_id, rule_version=plan.rule_version)
    return RecordBatch(task=task, steps=steps)
