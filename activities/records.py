"""Write task and step transitions to the metadata DB (the projection the API lists)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity

from api.services.records import apply_step_update, apply_task_update
from sluice.contracts import StepUpdate, TaskUpdate


class RecordActivities:
    """Run as local activities on the central worker, next to the workflow."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="record_task")
    def record_task(self, update: TaskUpdate) -> None:
        with Session(self._engine) as session:
            apply_task_update(session, update=update)
            session.commit()

    @activity.defn(name="record_step")
    def record_step(self, update: StepUpdate) -> None:
        with Session(self._engine) as session:
            apply_step_update(session, update=update)
            session.commit()
