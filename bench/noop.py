"""The orchestration ceiling's workflows: no-op activities, nothing else.

They run outside Temporal's sandbox, as FileWorkflow does (see workflows/file_workflow.py):
the sandbox's cost per run would slow the ceiling and flatter Sluice.

`NoopWorkflow` runs one activity on the queue it is given. On the workflow's own queue
(`QUEUE`), the server hands the activity back to the worker in its reply to the workflow
task (eager dispatch), without going through matching. On a queue of its own
(`HOST_QUEUE`), it is dispatched like Sluice's upload, which must run on the host that has
the file.

`ShapeWorkflow` gives the same commands as FileWorkflow's default plan, in the same order,
with nothing in them: started with Sluice's search attributes, a local activity (routing
and its record), an upsert, the activity on `HOST_QUEUE` (upload), a local activity
(verify and the records), an upsert. What FileWorkflow costs beyond it is the work itself.
"""

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

QUEUE = "bench-ceiling"
HOST_QUEUE = "bench-ceiling-host"
TIMEOUT = timedelta(seconds=60)

STATUS = SearchAttributeKey.for_keyword("SluiceStatus")
RULE = SearchAttributeKey.for_keyword("SluiceRule")
STARTED_WITH = TypedSearchAttributes(
    [
        SearchAttributePair(SearchAttributeKey.for_keyword(name), value)
        for name, value in [
            ("SluiceAgent", "bench"),
            ("SluiceHost", "bench"),
            ("SluiceFileName", "f.log"),
            ("SluiceStatus", "pending"),
        ]
    ]
)


@activity.defn(name="bench_noop")
def noop(queue: str) -> str:
    return queue


@workflow.defn(name="BenchNoopWorkflow", sandboxed=False)
class NoopWorkflow:
    @workflow.run
    async def run(self, activity_queue: str) -> str:
        return await workflow.execute_activity(
            noop, activity_queue, task_queue=activity_queue, start_to_close_timeout=TIMEOUT
        )


@workflow.defn(name="BenchShapeWorkflow", sandboxed=False)
class ShapeWorkflow:
    @workflow.run
    async def run(self, activity_queue: str) -> str:
        await workflow.execute_local_activity(noop, "route", start_to_close_timeout=TIMEOUT)
        workflow.upsert_search_attributes([RULE.value_set("default"), STATUS.value_set("running")])
        result = await workflow.execute_activity(
            noop,
            activity_queue,
            task_queue=activity_queue,
            start_to_close_timeout=TIMEOUT,
            heartbeat_timeout=TIMEOUT,
        )
        await workflow.execute_local_activity(noop, "verify", start_to_close_timeout=TIMEOUT)
        workflow.upsert_search_attributes([STATUS.value_set("succeeded")])
        return result
