"""What the steps of one FileWorkflow run share: the file, its rule, what earlier steps left.

Deterministic code only. Each step runner (workflows/file_steps.py, action_steps.py) takes
the run, its step and the step's options.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sluice.actions import Analysis, BuildRef, FileContext
    from sluice.contracts import (
        ApprovalDecision,
        ApproveOptions,
        FileWorkflowInput,
        StepPlan,
        UploadProgress,
        UploadResult,
    )
    from sluice.starts import file_where
    from workflows.recorder import RunRecorder

# Waits for a human decision on an approve step (FileWorkflow's `decide` update).
Approver = Callable[[StepPlan, ApproveOptions], Awaitable[ApprovalDecision]]


@dataclass
class FileRun:
    input: FileWorkflowInput
    records: RunRecorder  # a last local verify writes the run's end with it
    approver: Approver
    rule: str = ""
    upload: UploadResult | None = None  # the stored object, once uploaded
    analysis: Analysis | None = None  # for the notices that include it
    # What a failed attempt got to, for the next one to resume: an upload's parts, a build.
    resume: dict[str, UploadProgress] = field(default_factory=dict)
    builds: dict[str, BuildRef] = field(default_factory=dict)
    # What a step cancelled mid-work left behind (a jenkins build), for its record.
    cancelled: dict[str, dict[str, str]] = field(default_factory=dict)

    def where(self) -> str:
        """The file, for activity summaries in the Temporal UI."""
        return file_where(self.input.file)

    def context(self) -> FileContext:
        """What templates may say about the file and its task."""
        up = self.upload
        return FileContext(
            task_id=workflow.info().workflow_id,
            file=self.input.file,
            rule=self.rule,
            bucket=up.bucket if up else "",
            key=up.key if up else "",
            sha256=up.sha256 if up else "",
        )

    def stored(self) -> dict[str, str]:
        """Where the run's upload put the file, for the task's record."""
        up = self.upload
        return {} if up is None else {"bucket": up.bucket, "key": up.key, "sha256": up.sha256}
