"""Choosing a file's plan from the published rules: priority order, first match, `continue`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sluice.contracts import (
    UPLOAD_HEARTBEAT_TIMEOUT_S,
    DetectedFile,
    Plan,
    StepPlan,
    UploadOptions,
    VerifyOptions,
)
from sluice.rules.spec import RuleSpec, fresh_stages

UNMATCHED_ACTIONS = ("upload", "ignore")

# What a file that matches no rule gets when the default is "upload".
DEFAULT_STAGES: list[list[StepPlan]] = [
    [
        StepPlan(
            name="upload",
            type="upload",
            options=UploadOptions(),
            heartbeat_timeout_s=UPLOAD_HEARTBEAT_TIMEOUT_S,
        )
    ],
    [StepPlan(name="verify", type="verify", options=VerifyOptions())],
]


@dataclass(frozen=True)
class PublishedRule:
    """The live version of a rule, as routing sees it."""

    rule_id: int
    name: str
    version: int
    spec: RuleSpec


def plan_for(
    rules: Sequence[PublishedRule],
    file: DetectedFile,
    *,
    labels: Mapping[str, str],
    now: datetime,
    unmatched: str,
) -> Plan:
    """The plan for `file`: rules by priority (then name), first match wins unless it continues.

    Stages of a matched rule with `continue: true` come before those of the rules matched
    after it; step names stay unique across them (`upload`, `upload-2`). Without a match the
    plan is DEFAULT_STAGES (`unmatched="upload"`) or nothing (`unmatched="ignore"`).
    """
    if unmatched not in UNMATCHED_ACTIONS:
        raise ValueError(f"unmatched must be one of {UNMATCHED_ACTIONS}, got {unmatched!r}")
    ordered = sorted(
        (rule for rule in rules if rule.spec.enabled),
        key=lambda rule: (rule.spec.priority, rule.name),
    )
    matched: list[PublishedRule] = []
    stages: list[list[StepPlan]] = []
    for rule in ordered:
        if not rule.spec.matches(file, labels=labels, now=now):
            continue
        matched.append(rule)
        stages.extend(rule.spec.to_plan_stages())
        if not rule.spec.continue_:
            break
    if not matched:
        if unmatched == "ignore":
            return Plan(stages=[], action="ignore")
        return Plan(stages=fresh_stages(DEFAULT_STAGES), action="run")
    first = matched[0]
    return Plan(
        stages=_unique_step_names(stages),
        action="run",
        rule_id=first.rule_id,
        rule_name=first.name,
        rule_version=first.version,
        matched=[rule.name for rule in matched],
        on_failure_notify=first.spec.on_failure_notify,
    )


def _unique_step_names(stages: list[list[StepPlan]]) -> list[list[StepPlan]]:
    taken: set[str] = set()
    for stage in stages:
        for step in stage:
            base, suffix = step.name, 1
            while step.name in taken:
                suffix += 1
                step.name = f"{base}-{suffix}"
            taken.add(step.name)
    return stages
