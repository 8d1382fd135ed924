"""ChannelTestWorkflow: one test message to one channel, for `POST /channels/{id}:test`.

The API starts it by name and waits for the answer: the worker holds the senders and the
key to the channels' secrets, and the send shows in the Temporal UI like any other.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

with workflow.unsafe.imports_passed_through():
    from activities.notify import NotifyActivities
    from sluice.channels import CHANNEL_TEST_TIMEOUT_S, CHANNEL_TEST_WORKFLOW, ChannelTestResult
    from workflows.attempts import ONE_ATTEMPT


@workflow.defn(name=CHANNEL_TEST_WORKFLOW)
class ChannelTestWorkflow:
    @workflow.run
    async def run(self, channel_id: int) -> ChannelTestResult:
        """One attempt: a test is asked for now, and its failure is the answer."""
        try:
            await workflow.execute_activity_method(
                NotifyActivities.send_test_message,
                channel_id,
                start_to_close_timeout=timedelta(seconds=CHANNEL_TEST_TIMEOUT_S),
                retry_policy=ONE_ATTEMPT,
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                return ChannelTestResult(False, cause.message, cause.type or "unknown")
            if isinstance(cause, TimeoutError):
                return ChannelTestResult(False, "the channel did not answer in time", "timeout")
            return ChannelTestResult(False, str(cause or err), "unknown")
        return ChannelTestResult(True)
