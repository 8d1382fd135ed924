"""A config rollout's failure, written by the central worker: the sidecar reports what it
applied or why it could not, but a rollout that no sidecar took (or one that failed before
its sidecar could report) would otherwise show as running for ever."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from sluice.contracts.config_sync import RECORD_ROLLOUT_FAILURE, RolloutFailure
from store.models import ConfigRollout, utcnow

MAX_ERROR = 500  # the column's size


class RolloutRecords:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=RECORD_ROLLOUT_FAILURE)
    def record_failure(self, failure: RolloutFailure) -> int:
        """Mark the newest started, unfinished run of the workflow failed; how many rows
        changed (0 when the control plane never recorded it, or a retry marked it already)."""
        with Session(self._engine) as session:
            row = session.exec(
                select(ConfigRollout)
                .where(ConfigRollout.workflow_id == failure.workflow_id)
                .where(col(ConfigRollout.started_at).is_not(None))
                .order_by(col(ConfigRollout.id).desc())
            ).first()
            if row is None or row.failed_at is not None:
                return 0
            row.failed_at = utcnow()
            row.error = failure.error[:MAX_ERROR]
            session.add(row)
            session.commit()
            return 1
