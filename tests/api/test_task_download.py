"""A task's stored object through a presigned link: the bytes come back, with the file's name;
a task without an object (or whose object is gone) is a 404, an unreachable store a 502."""

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from sluice.settings import Settings, StorageSettings
from store.models import Role, Task, utcnow
from tests.api.seeding import seed_task
from tests.api.tokens import bearer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture
def client(db_url: str, storage_settings: StorageSettings) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url, storage=storage_settings))
    with TestClient(app, headers=bearer(db_url, Role.viewer)) as test_client:
        yield test_client


def stored_at(engine: Engine, bucket: str, key: str) -> str:
    task_id = seed_task(engine, utcnow(), "succeeded")
    with Session(engine) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.bucket, task.object_key = bucket, key
        session.add(task)
        session.commit()
    return task_id


def test_a_viewer_downloads_the_stored_bytes_by_the_link(
    client: TestClient, db_engine: Engine, s3: "S3Client", storage_settings: StorageSettings
) -> None:
    bucket, key = storage_settings.bucket, f"host-a/in/{uuid.uuid4().hex}/heap dump.hprof"
    content = uuid.uuid4().bytes * 1000
    s3.put_object(Bucket=bucket, Key=key, Body=content)
    task_id = stored_at(db_engine, bucket, key)

    response = client.get(f"/api/v1/tasks/{task_id}/download")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["bucket"], body["key"], body["size"]) == (bucket, key, len(content))
    fetched = httpx.get(body["url"])  # no credentials: the signature is the permission
    assert fetched.status_code == 200
    assert fetched.content == content
    assert 'filename="heap dump.hprof"' in fetched.headers["content-disposition"]


def test_no_object_is_404_and_an_unreachable_store_is_502(
    client: TestClient, db_engine: Engine, db_url: str, storage_settings: StorageSettings
) -> None:
    nothing = seed_task(db_engine, utcnow(), "failed")  # failed before storing anything
    gone = stored_at(db_engine, storage_settings.bucket, f"nowhere/{uuid.uuid4().hex}")
    for task_id in (nothing, gone, "no-such-task"):
        response = client.get(f"/api/v1/tasks/{task_id}/download")
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"

    closed = storage_settings.model_copy(update={"endpoint_url": "http://127.0.0.1:9"})
    app = create_app(Settings(database_url=db_url, storage=closed))
    with TestClient(app, headers=bearer(db_url, Role.viewer)) as down:
        response = down.get(f"/api/v1/tasks/{gone}/download")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "storage_unavailable"
