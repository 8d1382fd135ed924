"""FailureDigestWorkflow: one per channel; the first failure notice goes out at once, the
ones that follow within the window go out together as one digest message.

Started (or signalled) with signal-with-start by the `queue_failure_notice` activity, id
`notify-digest-<channel>`. It ends after a window without failures.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from sluice.actions import DIGEST_KEEP, DigestInput, DigestRequest, NotifyRequest

SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=5,
)
MAX_WINDOWS = 100  # then continue as new, so history stays small


@workflow.defn(name="FailureDigestWorkflow")
class FailureDigestWorkflow:
    def __init__(self) -> None:
        self._pending: list[NotifyRequest] = []
        self._total = 0

    @workflow.signal
    def add(self, notice: NotifyRequest) -> None:
        self._total += 1
        if len(self._pending) < DIGEST_KEEP:
            self._pending.append(notice)

    @workflow.run
    async def run(self, inp: DigestInput) -> int:
        """Send the first notice now, then one message per window while failures keep coming."""
        sent = 0
        self._pending = [*inp.carried, *self._pending]
        self._total += inp.carried_total
        await workflow.wait_condition(lambda: self._total > 0)
        first = self._pending.pop(0)
        self._total -= 1
        await self._send("send_notification", _for_channel(first, inp.channel))
        sent += 1
        for _ in range(MAX_WINDOWS):
            await workflow.sleep(timedelta(seconds=inp.window_s))
            if not self._total:
                return sent
            notices, total = self._pending, self._total
            self._pending, self._total = [], 0
            if total == 1:
                await self._send("send_notification", _for_channel(notices[0], inp.channel))
            else:
                request = DigestRequest(inp.channel, notices, total, inp.window_s)
                await self._send("send_digest", request)
            sent += total
        workflow.continue_as_new(DigestInput(inp.channel, inp.window_s, self._pending, self._total))

    async def _send(self, activity: str, arg: object) -> None:
        try:
            await workflow.execute_activity(
                activity,
                arg,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=SEND_RETRY,
            )
        except ActivityError:
            # every attempt is recorded in `notifications`; a channel that stays down must
            # not stop later digests
            workflow.logger.warning("a failure notice could not be sent (%s)", activity)


def _for_channel(notice: NotifyRequest, channel: str) -> NotifyRequest:
    notice.channels = [channel]
    notice.step = "on_failure"
    return notice
