"""A local verify that is the plan's last step also writes the run's end (VerifyRequest.then).

Real SeaweedFS and real metadata DBs (SQLite and PostgreSQL through `db_engine`).
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.objects import ObjectActivities
from activities.records import RecordActivities
from sluice.contracts import RecordBatch, StepUpdate, VerifyRequest, VerifyResult
from store.models import Task, TaskStep
from tests.activities.test_upload import BUCKET, put
from tests.api.builders import detected_file, step_update, task_update

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def stored(s3: S3Client) -> VerifyRequest:
    """An object stored as a single-part upload stores it, and the request to verify it."""
    body = b"verified\n"
    sha = hashlib.sha256(body).hexdigest()
    key = f"verify/end-{uuid.uuid4().hex}"
    put(s3, key, body, sha, "metadata")
    return VerifyRequest(BUCKET, key, len(body), sha)


def the_end(req: VerifyRequest) -> RecordBatch:
    """What FileWorkflow hands a last verify: the upload's success, its own, the task's."""
    file = detected_file()
    where = {"bucket": req.bucket, "key": req.key, "sha256": req.sha256}
    upload = step_update(file.workflow_id, "succeeded", duration_ms=40, summary={"parts": "1"})
    verified = StepUpdate(file.workflow_id, "verify", "verify", "succeeded")
    return RecordBatch(task_update(file, "succeeded", **where), [upload, verified])


def verify(s3: S3Client, engine: Engine, req: VerifyRequest) -> VerifyResult:
    objects = ObjectActivities(s3, RecordActivities(engine))
    result: VerifyResult = ActivityEnvironment().run(objects.verify_object, req)
    return result


def test_a_last_verify_writes_the_runs_end(s3: S3Client, db_engine: Engine) -> None:
    req = stored(s3)
    req.then = end = the_end(req)
    assert end.task is not None

    result = verify(s3, db_engine, req)

    assert result.recorded
    with Session(db_engine) as session:
        task = session.get(Task, end.task.task_id)
        steps = session.exec(select(TaskStep).where(TaskStep.task_id == end.task.task_id)).all()
    assert task is not None
    assert (task.status, task.object_key, task.sha256) == ("succeeded", req.key, req.sha256)
    by_name = {step.name: step for step in steps}
    assert {name: step.status for name, step in by_name.items()} == {
        "upload": "succeeded",
        "verify": "succeeded",
    }
    assert by_name["verify"].summary == result.summary()
    assert by_name["verify"].summary["sha256"] == req.sha256


def test_a_failed_verify_writes_nothing(s3: S3Client, db_engine: Engine) -> None:
    req = stored(s3)
    req.sha256 = "0" * 64  # not what the object records
    req.then = end = the_end(req)
    assert end.task is not None

    with pytest.raises(ApplicationError) as caught:
        verify(s3, db_engine, req)

    assert caught.value.type == "checksum"
    with Session(db_engine) as session:
        assert session.get(Task, end.task.task_id) is None  # the workflow records the failure


def test_a_failed_write_leaves_the_end_to_the_workflow(s3: S3Client, tmp_path: Path) -> None:
    """The object is fine, so verify succeeds; it must not fail (and delete the object)."""
    no_tables = create_engine(f"sqlite:///{tmp_path}/unmigrated.db")
    req = stored(s3)
    req.then = the_end(req)

    result = verify(s3, no_tables, req)

    assert (result.recorded, result.sha256) == (False, req.sha256)
