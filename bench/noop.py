"""The orchestration ceiling's workflow: one no-op activity, nothing else.

It runs outside Temporal's sandbox, as FileWorkflow does (see workflows/file_workflow.py):
the sandbox's cost per run would slow the ceiling and flatter Sluice.

The activity runs on the queue the workflow names. On the workflow's own queue (`QUEUE`),
the server hands the activity back to the worker in its reply to the workflow task (eager
dispatch), without going through matching. On a queue of its own (`HOST_QUEUE`), it is
dispatched like Sluice's upload, which must run on the host that has the file.
"""

from datetime import timedelta

from temporalio import activity, workflow

QUEUE = "bench-ceiling"
HOST_QUEUE = "bench-ceiling-host"


@activity.defn(name="bench_noop")
def noop(queue: str) -> str:
    return queue


@workflow.defn(name="BenchNoopWorkflow", sandboxed=False)
class NoopWorkflow:
    @workflow.run
    async def run(self, activity_queue: str) -> str:
        return await workflow.execute_activity(
            noop,
            activity_queue,
            task_queue=activity_queue,
            start_to_close_timeout=timedelta(seconds=60),
        )
