"""Replay recorded workflow histories: a change that breaks determinism fails here.

Refresh the histories after an intended, versioned change with
`SLUICE_RECORD_HISTORIES=1 pytest tests/e2e/test_file_slice.py tests/e2e/test_pipeline.py
tests/e2e/test_actions.py tests/e2e/test_manual_trigger.py tests/e2e/test_agent_monitor.py
tests/e2e/test_daily_report.py tests/e2e/test_step_records.py tests/e2e/test_alert_groups.py
tests/workflows/test_ticket_escalation.py tests/workflows/test_config_rollout.py`. Some are
kept as recorded before a patch, to replay runs that started before it (their names say so,
or the comments below).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from sluice.cli.worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_checked_in() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "small_file_succeeded",
        "multipart_succeeded",
        "upload_not_found_failed",
        "parallel_approval_archive",
        "approval_reject",
        "approval_timeout",
        "cancelled_mid_upload",
        "jenkins_analyze_notify",
        "jenkins_failed_compensated",
        "jenkins_failed_compensated_before_cleanup_notes",  # recorded without "record-cleanup"
        "manual_trigger_started",
        "agent_monitor_offline",
        "daily_report_sent",
        "approval_cancelled_compensated",
        "agent_monitor_loop_offline",
        "alert_group_decisions",
        "ticket_deadlines_breached",  # recorded without "ticket-escalation-steps"
        "ticket_escalation_steps",
        "config_rollout_applied",
    }


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    asyncio.run(Replayer(workflows=WORKFLOWS).replay_workflow(history))
