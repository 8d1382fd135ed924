"""DailyReportWorkflow: once a day (a schedule), yesterday's report to the report channels."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.monitor import MonitorActivities
    from sluice.monitoring import (
        DAILY_REPORT_STEP,
        DailyReportInput,
        DailyReportRequest,
        DailyReportResult,
    )
    from workflows.notices import send_each

BUILD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=5,
)


@workflow.defn(name="DailyReportWorkflow")
class DailyReportWorkflow:
    @workflow.run
    async def run(self, inp: DailyReportInput) -> DailyReportResult:
        summary = await workflow.execute_activity_method(
            MonitorActivities.build_daily_report,
            DailyReportRequest(
                as_of=workflow.now().isoformat(),
                time_zone=inp.time_zone,
                stuck_after_s=inp.stuck_after_s,
                top=inp.top,
            ),
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=BUILD_RETRY,
        )
        values = {"report": summary.report}
        sent = await send_each(inp.channels, "daily_report", DAILY_REPORT_STEP, values)
        return DailyReportResult(summary.date, sent)
