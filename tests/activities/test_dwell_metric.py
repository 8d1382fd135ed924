"""`sluice_task_dwell_seconds`: observed once per task, by the write that makes it succeed,
from its file's detection; retried, late or failing writes add nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from prometheus_client import REGISTRY
from sqlalchemy import Engine

from activities.records import RecordActivities
from sluice.contracts import RecordBatch
from store.models import utcnow
from tests.api.builders import detected_file, step_update, task_update


def observed() -> tuple[float, float]:
    """(count, within 60 s) of the dwell histogram so far in this process."""
    count = REGISTRY.get_sample_value("sluice_task_dwell_seconds_count") or 0.0
    fast = REGISTRY.get_sample_value("sluice_task_dwell_seconds_bucket", {"le": "60.0"}) or 0.0
    return count, fast


def test_a_success_is_observed_once_from_detection(db_engine: Engine) -> None:
    records = RecordActivities(db_engine)
    file = replace(detected_file(), detected_at=(utcnow() - timedelta(seconds=30)).isoformat())
    count, fast = observed()

    records.record(RecordBatch(task=task_update(file, "running"), steps=[
        step_update(file.workflow_id, "running")
    ]))  # fmt: skip
    assert observed() == (count, fast)

    done = RecordBatch(
        task=task_update(file, "succeeded"), steps=[step_update(file.workflow_id, "succeeded")]
    )
    records.record(done)
    assert observed() == (count + 1, fast + 1)  # 30 s: within the 60 s bucket

    records.record(done)  # a retried write
    records.record(RecordBatch(task=task_update(file, "running")))  # a late one
    assert observed() == (count + 1, fast + 1)


def test_failures_and_ignored_files_are_not_dwell(db_engine: Engine) -> None:
    records = RecordActivities(db_engine)
    count, _ = observed()
    failed, ignored = detected_file(), detected_file()
    records.record(RecordBatch(task=task_update(failed, "running")))
    records.record(RecordBatch(task=task_update(failed, "failed", error_class="network")))
    records.record(RecordBatch(task=task_update(ignored, "ignored")))
    assert observed()[0] == count
