"""ConfigRolloutWorkflow: one target's desired config, applied by its sidecar.

The apply step runs on the target's own task queue (`config_queue`), where only its
`sluice config-agent` polls, so a publish to N targets is N workflows, each visible and
retryable on its own. The input holds the version and digest only: the sidecar fetches the
files (secrets included) from the API itself.

Outcomes: applied (completed, ApplyResult.applied); superseded by a newer publish
(completed, not applied: the newer rollout applies); no sidecar took the step within
`agent_wait` (fails with type `config_agent_absent`: the sidecar's next status report starts
the rollout again); anything else fails the workflow with the reason (type
`config_not_applied`), and the ApplyResult (if the sidecar gave one) in the failure's details.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType

with workflow.unsafe.imports_passed_through():
    from activities.config_sync import SUPERSEDED
    from sluice.contracts.config_sync import (
        AGENT_ABSENT,
        CONFIG_ROLLOUT_WORKFLOW,
        RECORD_ROLLOUT_FAILURE,
        ApplyResult,
        RolloutFailure,
        RolloutInput,
        config_queue,
    )

# A sidecar that does not pick the step up within RolloutInput.agent_wait (default 10 min)
# is absent: the rollout fails saying so, rather than waiting unseen.
NOT_APPLIED = "config_not_applied"
APPLY_START_TO_CLOSE = timedelta(minutes=5)  # fetch, write, reload, verify, maybe restore
APPLY_HEARTBEAT = timedelta(seconds=30)
# The control plane or the target briefly down: tried again; bad input or a refused token: not.
APPLY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=8,
    non_retryable_error_types=["invalid_input", "auth", "not_found", "rejected"],
)


@workflow.defn(name=CONFIG_ROLLOUT_WORKFLOW)
class ConfigRolloutWorkflow:
    @workflow.run
    async def run(self, rollout: RolloutInput) -> ApplyResult:
        try:
            return await self._apply(rollout)
        except ApplicationError as failed:
            await _record_failure(failed.message)
            raise

    async def _apply(self, rollout: RolloutInput) -> ApplyResult:
        queue = config_queue(rollout.target)
        try:
            result = await workflow.execute_activity(
                "apply_config",
                rollout,
                task_queue=queue,
                result_type=ApplyResult,
                schedule_to_start_timeout=timedelta(seconds=rollout.agent_wait),
                start_to_close_timeout=APPLY_START_TO_CLOSE,
                heartbeat_timeout=APPLY_HEARTBEAT,
                retry_policy=APPLY_RETRY,
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_START:
                raise ApplicationError(
                    f"no config agent took the step within "
                    f"{timedelta(seconds=rollout.agent_wait)}: is `sluice config-agent` running "
                    f"for target {rollout.target} (task queue {queue})? It catches up when it "
                    "reports again",
                    type=AGENT_ABSENT,
                    non_retryable=True,
                ) from err
            raise ApplicationError(
                _why(err, rollout.target), type=NOT_APPLIED, non_retryable=True
            ) from err
        if not result.applied and not result.error.startswith(SUPERSEDED):
            raise ApplicationError(result.error, result, type=NOT_APPLIED, non_retryable=True)
        return result


async def _record_failure(error: str) -> None:
    """Tell the database the rollout failed (the console shows it failed, not running); a
    failure to tell it must not hide the rollout's own error."""
    if not workflow.patched("config-rollout-failure-recorded"):
        return
    failure = RolloutFailure(workflow.info().workflow_id, error)
    try:
        await workflow.execute_activity(
            RECORD_ROLLOUT_FAILURE,
            failure,
            start_to_close_timeout=timedelta(seconds=20),
            retry_policy=RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=10)),
        )
    except ActivityError as err:
        workflow.logger.warning("rollout failure not recorded: %s", err.cause or err)


def _why(err: ActivityError, target: str) -> str:
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return f"{target}: {cause.message}"
    return f"{target}: {cause or err}"
