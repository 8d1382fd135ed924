"""`sluice worker`: all workflows plus the central activities, on the `sluice` task queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.records import RecordActivities
from activities.s3 import make_s3_client
from activities.verify import VerifyActivities
from api.db import make_engine
from sluice.settings import Settings
from workflows.file_workflow import FileWorkflow


async def run_worker(settings: Settings, client: Client) -> None:
    """Poll the central task queue until cancelled."""
    engine = make_engine(settings.database_url)
    records = RecordActivities(engine)
    verify = VerifyActivities(make_s3_client(settings.storage))
    with ThreadPoolExecutor(16, thread_name_prefix="central-activity") as pool:
        worker = Worker(
            client,
            task_queue=settings.temporal.task_queue,
            workflows=[FileWorkflow],
            activities=[verify.verify_object, records.record_task, records.record_step],
            activity_executor=pool,
        )
        try:
            await worker.run()
        finally:
            engine.dispose()
