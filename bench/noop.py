"""The orchestration ceiling's workflow: one no-op activity, nothing else.

A module of its own, as small as a workflow module gets: the sandbox imports a workflow's
module afresh for every run, so a big module would slow the ceiling and flatter Sluice.
"""

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench_noop")
def noop(n: int) -> int:
    return n


@workflow.defn(name="BenchNoopWorkflow")
class NoopWorkflow:
    @workflow.run
    async def run(self, n: int) -> int:
        return await workflow.execute_activity(
            noop, n, start_to_close_timeout=timedelta(seconds=60)
        )
