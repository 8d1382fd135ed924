"""Plans travel typed through Temporal's converter, and plans recorded with JSON options still
decode to the same types (tests/workflows/histories replays whole runs of them)."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.converter import DataConverter

from sluice.contracts import (
    ArchiveOptions,
    FailureNoticeOptions,
    NotifyOptions,
    Plan,
    StepPlan,
    UploadOptions,
    VerifyOptions,
)
from sluice.rules import PublishedRule, parse_rule, plan_for
from tests.sluice.test_rules import MONDAY_NOON, file

CONVERTER = DataConverter.default.payload_converter


def through_temporal(plan: Plan) -> Plan:
    decoded: Plan = CONVERTER.from_payloads(CONVERTER.to_payloads([plan]), [Plan])[0]
    return decoded


def test_a_routed_plan_comes_back_as_it_went() -> None:
    spec = parse_rule(
        {
            "name": "r",
            "pipeline": [
                {"upload": {"bucket": "dumps", "part_size": "8MiB"}},
                {"parallel": [{"verify": {}}, {"archive": {"action": "move", "to": "/done"}}]},
                {"notify": {"channels": ["ops"], "mentions": ["139"]}},
            ],
            "on_failure": {"notify": {"channels": ["ops"]}},
        }
    )
    plan = plan_for(
        [PublishedRule(1, "r", 1, spec)], file(), labels={}, now=MONDAY_NOON, unmatched="ignore"
    )

    again = through_temporal(plan)

    assert again == plan
    assert [[type(step.options) for step in stage] for stage in again.stages] == [
        [UploadOptions],
        [VerifyOptions, ArchiveOptions],
        [NotifyOptions],
    ]
    assert isinstance(again.on_failure_notify, FailureNoticeOptions)


def test_options_recorded_as_json_are_typed_by_the_step_type() -> None:
    """As routing returned them before options were typed: unset options left out."""
    recorded: dict[str, Any] = {
        "stages": [
            [{"name": "verify", "type": "verify", "options": {"read_back": True}}],
            [{"name": "archive", "type": "archive", "options": {"action": "delete"}}],
        ],
        "on_failure_notify": {},
    }
    payload = CONVERTER.to_payloads([recorded])

    plan: Plan = CONVERTER.from_payloads(payload, [Plan])[0]

    assert [stage[0].options for stage in plan.stages] == [
        VerifyOptions(read_back=True),
        ArchiveOptions(action="delete"),
    ]
    assert plan.on_failure_notify is None


def test_a_step_refuses_another_types_options() -> None:
    with pytest.raises(TypeError, match="takes UploadOptions, not VerifyOptions"):
        StepPlan("upload", "upload", VerifyOptions())
